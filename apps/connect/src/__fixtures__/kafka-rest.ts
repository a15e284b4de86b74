/**
 * What Apache Kafka's Connect REST API answers, taken from Kafka itself
 * (apache/kafka at 1eb7644349cb07139d6a3c1ad1986979647cac99, 4.0.0-SNAPSHOT;
 * paths below are under connect/runtime/src/main/java/org/apache/kafka/connect/runtime/
 * unless they start with docs/). The REST contract tests hold nagare's workers
 * to these: status codes, the JSON field names of Kafka's entities, request
 * bodies from Kafka's documentation, and the exception texts.
 */

/** The JSON properties of Kafka's REST entities (rest/entities/*.java, @JsonProperty names). */
export const ENTITY_KEYS = {
  /** ServerInfo: version, commit, kafka_cluster_id */
  ServerInfo: ['commit', 'kafka_cluster_id', 'version'],
  /** WorkerStatus (RootResource GET /health) */
  WorkerStatus: ['message', 'status'],
  /** ConnectorInfo: name, config, tasks, type */
  ConnectorInfo: ['config', 'name', 'tasks', 'type'],
  /** ConnectorTaskId (util/ConnectorTaskId.java): connector, task */
  ConnectorTaskId: ['connector', 'task'],
  /** ConnectorStateInfo: name, connector, tasks, type */
  ConnectorStateInfo: ['connector', 'name', 'tasks', 'type'],
  /** ConnectorStateInfo.ConnectorState: state, worker_id, trace (@JsonInclude(NON_EMPTY): absent unless failed) */
  ConnectorState: ['state', 'worker_id'],
  /** ConnectorStateInfo.TaskState: id, state, worker_id (trace as above) */
  TaskState: ['id', 'state', 'worker_id'],
  /** TaskInfo: id, config */
  TaskInfo: ['config', 'id'],
  /** PluginInfo: class, type, version */
  PluginInfo: ['class', 'type', 'version'],
  /** ConfigInfos: name, error_count, groups, configs */
  ConfigInfos: ['configs', 'error_count', 'groups', 'name'],
  /** ConfigInfo: definition, value */
  ConfigInfo: ['definition', 'value'],
  /** ConfigKeyInfo: serialized with "order" (the getter's @JsonProperty("order")) */
  ConfigKeyInfo: ['default_value', 'dependents', 'display_name', 'documentation', 'group', 'importance', 'name', 'order', 'required', 'type', 'width'],
  /** ConfigValueInfo: name, value, recommended_values, errors, visible */
  ConfigValueInfo: ['errors', 'name', 'recommended_values', 'value', 'visible'],
  /** ConnectorOffsets / ConnectorOffset */
  ConnectorOffsets: ['offsets'],
  ConnectorOffset: ['offset', 'partition'],
  /** Message (offsets alter/reset) */
  Message: ['message'],
  /** ErrorMessage (rest/errors/ConnectExceptionMapper.java writes it for every error) */
  ErrorMessage: ['error_code', 'message'],
  /** LoggerLevel: level, last_modified */
  LoggerLevel: ['last_modified', 'level'],
} as const;

/** docs/connect.html, "PATCH /connectors/{name}/offsets": the example request body for the FileStreamSourceConnector. */
export const DOCS_SOURCE_OFFSETS = {
  offsets: [
    {
      partition: {
        filename: 'test.txt',
      },
      offset: {
        position: 30,
      },
    },
  ],
};

/** docs/connect.html, "PATCH /connectors/{name}/offsets": the example request body for the FileStreamSinkConnector. */
export const DOCS_SINK_OFFSETS = {
  offsets: [
    {
      partition: {
        kafka_topic: 'test',
        kafka_partition: 0,
      },
      offset: {
        kafka_offset: 5,
      },
    },
    {
      partition: {
        kafka_topic: 'test',
        kafka_partition: 1,
      },
      offset: null,
    },
  ],
};

/** The texts Kafka's REST layer and herders answer with (file:line of the commit above). */
export const MESSAGES = {
  /** rest/entities/WorkerStatus.java:27-28 */
  healthy: 'Worker has completed startup and is ready to handle requests.',
  /** distributed/DistributedHerder.java:1176 (AlreadyExistsException -> 409) */
  alreadyExists: (c: string) => `Connector ${c} already exists`,
  /** distributed/DistributedHerder.java:899/919/951/1262 (NotFoundException -> 404) */
  notFound: (c: string) => `Connector ${c} not found`,
  /** AbstractHerder.java:348 */
  noStatusForConnector: (c: string) => `No status found for connector ${c}`,
  /** AbstractHerder.java:391 (ConnectorTaskId.toString: connector-task) */
  noStatusForTask: (c: string, t: number) => `No status found for task ${c}-${t}`,
  /** distributed/DistributedHerder.java:1448/1479 */
  unknownConnectorColon: (c: string) => `Unknown connector: ${c}`,
  /** distributed/DistributedHerder.java:1484 */
  unknownTask: (c: string, t: number) => `Unknown task: ${c}-${t}`,
  /** AbstractHerder.java:665 (AbstractMap.toString of the LinkedHashMap Jackson built) */
  noConnectorType: (javaMap: string) => `Connector config ${javaMap} contains no connector type`,
  /** AbstractHerder.java:995-1005 */
  invalidConfig: (errors: string[]) =>
    `Connector configuration is invalid and contains the following ${errors.length} error(s):\n${errors.join('\n')}\nYou can also find the above list of errors at the endpoint \`/connector-plugins/{connectorType}/config/validate\``,
  /** SinkConnectorConfig.validate: neither topics nor topics.regex */
  sinkNoTopics: 'Must configure one of topics or topics.regex',
  /** rest/resources/ConnectorsResource.java:408 */
  nameMismatch: (inBody: string, inUrl: string) => `Connector name configuration (${inBody}) doesn't match connector name in the URL (${inUrl})`,
  /** rest/resources/ConnectorsResource.java:380 */
  noOffsets: 'Partitions / offsets need to be provided for an alter offsets request',
  /** distributed/DistributedHerder.java:1728-1730 */
  notStopped: (c: string) =>
    `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${c}/stop' endpoint`,
  /** Worker.java:1709 ("The offsets for this connector have been " + modificationType + " successfully") */
  offsetsAltered: 'The offsets for this connector have been altered successfully',
  /** Worker.java:1709 */
  offsetsReset: 'The offsets for this connector have been reset successfully',
  /** util/SinkUtils.java:90 */
  sinkPartitionKeys: "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'",
  /** rest/resources/ConnectorPluginsResource.java:101-103 */
  typeMismatch: (included: string, requested: string) => `Included connector type ${included} does not match request type ${requested}`,
  /** AbstractHerder.java:1100 */
  unknownPlugin: (p: string) => `Unknown plugin ${p}.`,
  /** rest/resources/LoggingResource.java:92 */
  loggerNotFound: (l: string) => `Logger ${l} not found.`,
  /** rest/resources/LoggingResource.java:119 */
  levelMissing: "Desired 'level' parameter was not specified in request.",
  /** rest/resources/LoggingResource.java:125 */
  invalidLevel: (l: string) => `invalid log level '${l}'.`,
  /** rest/resources/ConnectorsResource.java:203-204 */
  topicTrackingDisabled: 'Topic tracking is disabled.',
  /** rest/HerderRequestHandler.java:122-123 (a request forwarded with forward=false that this worker cannot serve) */
  conflictingOperation: 'Cannot complete request because of a conflicting operation (e.g. worker rebalance)',
  /** distributed/DistributedHerder.java:2804 (no signature on POST /connectors/{c}/tasks) -> 400 */
  signatureMissing: 'Internal request missing required signature',
  /** distributed/DistributedHerder.java:2822 -> 403 */
  signatureInvalid: 'Internal request contained invalid signature.',
  /** Jersey's NotFoundException for an unmatched path, through ConnectExceptionMapper */
  httpNotFound: 'HTTP 404 Not Found',
} as const;
