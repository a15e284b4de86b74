/**
 * Apache Kafka's Java Admin client with `bootstrap.controllers` (KIP-919), as
 * `kafka-metadata-quorum --bootstrap-controller` and `kafka-configs
 * --bootstrap-controller` use it: a KRaft server.properties with a
 * CONTROLLER listener and no listener.security.protocol.map (Kafka maps the
 * controller listener to PLAINTEXT) answers DescribeCluster with the
 * controllers and DescribeQuorum with the voter set.
 */
import { FAST_GROUP_PROPS, NagareProcess, cleanupAll, freePort, startNagare } from './harness';
import { compileJava, describeWithJava, requireJava, runJavaMain } from './java-harness';

jest.setTimeout(180000);

describeWithJava('Java Admin with bootstrap.controllers', () => {
  let classes: string;
  let server: NagareProcess;
  let controllerPort: number;

  beforeAll(async () => {
    requireJava({ javac: true });
    controllerPort = await freePort();
    const brokerPort = await freePort();
    [classes, server] = await Promise.all([
      compileJava(),
      startNagare({
        port: brokerPort,
        props: {
          ...FAST_GROUP_PROPS,
          listeners: `PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
          'controller.listener.names': 'CONTROLLER',
          'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
          'inter.broker.listener.name': 'PLAINTEXT',
        },
      }),
    ]);
  });
  afterAll(() => cleanupAll());

  test('describeCluster names the controller; describeMetadataQuorum the single voter as leader', async () => {
    const r = await runJavaMain(classes, 'ControllerAdmin', [`127.0.0.1:${controllerPort}`]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.error).toBeUndefined();
    expect(out.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(out.controller).toEqual({ id: 1, host: '127.0.0.1', port: controllerPort });
    expect(out.nodes).toEqual([{ id: 1, host: '127.0.0.1', port: controllerPort }]);
    expect(out.quorumError).toBeUndefined();
    expect(out.quorum).toMatchObject({ leaderId: 1, voters: [{ replicaId: 1 }], observers: 0 });
    expect(out.quorum.leaderEpoch).toBeGreaterThanOrEqual(1);
    expect(out.quorum.highWatermark).toBeGreaterThan(0);
    expect(out.quorum.voters[0].logEndOffset).toBe(out.quorum.highWatermark);
  });

  test('bootstrap.controllers pointed at the broker listener fails in Kafka terms (MISMATCHED_ENDPOINT_TYPE)', async () => {
    const r = await runJavaMain(classes, 'ControllerAdmin', [server.bootstrap]);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.error).toMatch(/MismatchedEndpointTypeException/);
  });
});
