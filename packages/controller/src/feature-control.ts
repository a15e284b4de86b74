/**
 * Kafka's FeatureControlManager, the part nagare needs: the finalized metadata.version, written by
 * the first active controller of a new cluster (the bootstrap metadata), and the supported range.
 */
import { MetadataRecordType, type MetadataImage, type MetadataRecord } from '@nagare/metadata';

export class FeatureControl {
  constructor(
    /** The metadata.version a new cluster starts at. */
    readonly bootstrapMetadataVersion: number,
    readonly minMetadataVersion = 7,
  ) {}

  metadataVersion(image: MetadataImage): number | undefined {
    return image.features.get('metadata.version');
  }

  /** Records a new cluster's log starts with (Kafka's BootstrapMetadata). */
  bootstrapRecords(image: MetadataImage): MetadataRecord[] {
    if (this.metadataVersion(image) !== undefined) return [];
    return [{ type: MetadataRecordType.FeatureLevelRecord, version: 0, data: { name: 'metadata.version', featureLevel: this.bootstrapMetadataVersion } }];
  }
}
