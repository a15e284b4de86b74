/**
 * Kafka's FeatureControlManager, the part nagare needs: the finalized metadata.version and the other
 * features (group.version, transaction.version at Kafka 4.0's production levels), written by the
 * first active controller of a new cluster (the bootstrap metadata), and the supported range. A
 * cluster formatted before a feature existed gets it finalized when a controller becomes active.
 */
import { MetadataRecordType, type MetadataImage, type MetadataRecord } from '@nagare/metadata';

export class FeatureControl {
  constructor(
    /** The metadata.version a new cluster starts at. */
    readonly bootstrapMetadataVersion: number,
    readonly minMetadataVersion = 7,
    /** Features besides metadata.version, at the levels a new cluster is finalized with. */
    readonly features: ReadonlyArray<{ name: string; level: number }> = [],
  ) {}

  metadataVersion(image: MetadataImage): number | undefined {
    return image.features.get('metadata.version');
  }

  /** Records a new cluster's log starts with (Kafka's BootstrapMetadata). */
  bootstrapRecords(image: MetadataImage): MetadataRecord[] {
    const level = (name: string, featureLevel: number): MetadataRecord => ({ type: MetadataRecordType.FeatureLevelRecord, version: 0, data: { name, featureLevel } });
    const missing = this.features.filter((f) => !image.features.has(f.name)).map((f) => level(f.name, f.level));
    if (this.metadataVersion(image) !== undefined) return missing;
    return [level('metadata.version', this.bootstrapMetadataVersion), ...missing];
  }
}
