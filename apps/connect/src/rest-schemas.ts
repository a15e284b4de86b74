/**
 * JSON schemas of the Connect REST routes: fastify validates requests with
 * them and `@fastify/swagger` builds `/openapi.json` from them. Response
 * schemas allow extra properties, so a schema never drops a field Kafka
 * sends. Entity names follow Kafka's (`ConnectorInfo`, `ConnectorStateInfo`,
 * `ConfigInfos`, `ConfigKeyInfo`, `ServerInfo`, `ErrorMessage`, ...).
 */
const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
const anyObj = { type: 'object', additionalProperties: true } as const;

export const ErrorMessage = {
  type: 'object',
  description: 'ErrorMessage: every error is this body',
  properties: { error_code: int, message: str },
  required: ['error_code', 'message'],
  additionalProperties: true,
} as const;

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, { ...ErrorMessage, description: `error ${c}` }]));

const ConfigMap = { type: 'object', description: 'A connector configuration (string keys and values)', additionalProperties: { type: ['string', 'number', 'boolean'] } } as const;
const ConfigMapOut = { type: 'object', additionalProperties: str } as const;
const ConnectorTaskId = { type: 'object', properties: { connector: str, task: int }, required: ['connector', 'task'], additionalProperties: true } as const;
const ConnectorType = { type: 'string', enum: ['source', 'sink', 'unknown'] } as const;
const State = { type: 'string', enum: ['UNASSIGNED', 'RUNNING', 'PAUSED', 'FAILED', 'RESTARTING', 'STOPPED'] } as const;

export const ConnectorInfo = {
  type: 'object',
  description: 'ConnectorInfo',
  properties: { name: str, config: ConfigMapOut, tasks: { type: 'array', items: ConnectorTaskId }, type: ConnectorType },
  required: ['name', 'config', 'tasks', 'type'],
  additionalProperties: true,
} as const;

const TaskState = {
  type: 'object',
  description: 'ConnectorStateInfo.TaskState',
  properties: { id: int, state: State, worker_id: str, trace: str },
  required: ['id', 'state', 'worker_id'],
  additionalProperties: true,
} as const;

export const ConnectorStateInfo = {
  type: 'object',
  description: 'ConnectorStateInfo',
  properties: {
    name: str,
    connector: { type: 'object', properties: { state: State, worker_id: str, trace: str }, required: ['state', 'worker_id'], additionalProperties: true },
    tasks: { type: 'array', items: TaskState },
    type: ConnectorType,
  },
  required: ['name', 'connector', 'tasks', 'type'],
  additionalProperties: true,
} as const;

const connectorParam = { type: 'object', properties: { connector: str }, required: ['connector'] } as const;
const taskParam = { type: 'object', properties: { connector: str, task: { type: 'integer', minimum: 0 } }, required: ['connector', 'task'] } as const;
const forwardQuery = { forward: { type: 'boolean', description: 'internal: whether the request may be forwarded again' } } as const;

const Offsets = {
  type: 'object',
  description: 'ConnectorOffsets',
  properties: { offsets: { type: 'array', items: { type: 'object', properties: { partition: anyObj, offset: { type: ['object', 'null'], additionalProperties: true } }, additionalProperties: true } } },
  additionalProperties: true,
} as const;

const Message = { type: 'object', description: 'Message', properties: { message: str }, required: ['message'], additionalProperties: true } as const;

const ConfigKeyInfo = {
  type: 'object',
  description: 'ConfigKeyInfo',
  properties: {
    name: str,
    type: str,
    required: bool,
    default_value: { type: ['string', 'null'] },
    importance: str,
    documentation: { type: ['string', 'null'] },
    group: { type: ['string', 'null'] },
    order: int,
    width: str,
    display_name: { type: ['string', 'null'] },
    dependents: { type: 'array', items: str },
  },
  additionalProperties: true,
} as const;

const ConfigInfos = {
  type: 'object',
  description: 'ConfigInfos',
  properties: {
    name: str,
    error_count: int,
    groups: { type: 'array', items: str },
    configs: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          definition: ConfigKeyInfo,
          value: {
            type: 'object',
            description: 'ConfigValueInfo',
            properties: { name: str, value: { type: ['string', 'null'] }, recommended_values: { type: 'array', items: str }, errors: { type: 'array', items: str }, visible: bool },
            additionalProperties: true,
          },
        },
        additionalProperties: true,
      },
    },
  },
  additionalProperties: true,
} as const;

const LoggerLevel = { type: 'object', description: 'LoggerLevel', properties: { level: str, last_modified: { type: ['integer', 'null'] } }, additionalProperties: true } as const;

export const root = {
  tags: ['root'],
  summary: 'The worker\'s version, commit and Kafka cluster id (ServerInfo)',
  response: { 200: { type: 'object', properties: { version: str, commit: str, kafka_cluster_id: str }, additionalProperties: true } },
};

export const health = {
  tags: ['root'],
  summary: 'Health check of the worker (KIP-1017)',
  response: { 200: { type: 'object', properties: { status: str, message: str }, additionalProperties: true }, 503: { type: 'object', properties: { status: str, message: str }, additionalProperties: true } },
};

export const listConnectors = {
  tags: ['connectors'],
  summary: 'List all active connectors',
  querystring: { type: 'object', properties: { expand: { type: 'array', items: str, description: 'status and/or info' } } },
  response: { 200: { description: 'Connector names, or with expand a map of name -> {status, info}', anyOf: [{ type: 'array', items: str }, { type: 'object', additionalProperties: true }] } },
};

export const createConnector = {
  tags: ['connectors'],
  summary: 'Create a new connector',
  querystring: { type: 'object', properties: forwardQuery },
  body: {
    type: 'object',
    description: 'CreateConnectorRequest',
    properties: { name: str, config: { ...ConfigMap, type: ['object', 'null'] }, initial_state: { type: ['string', 'null'], description: 'RUNNING (default), PAUSED or STOPPED (KIP-980)' } },
    additionalProperties: true,
  },
  response: { 201: ConnectorInfo, ...errors(400, 409, 500) },
};

export const getConnector = { tags: ['connectors'], summary: 'Get the details for the specified connector', params: connectorParam, response: { 200: ConnectorInfo, ...errors(404) } };
export const getConnectorConfig = { tags: ['connectors'], summary: 'Get the configuration for the specified connector', params: connectorParam, response: { 200: ConfigMapOut, ...errors(404) } };
export const putConnectorConfig = {
  tags: ['connectors'],
  summary: 'Create or reconfigure the specified connector',
  params: connectorParam,
  querystring: { type: 'object', properties: forwardQuery },
  body: ConfigMap,
  response: { 200: ConnectorInfo, 201: ConnectorInfo, ...errors(400, 409, 500) },
};
export const patchConnectorConfig = {
  tags: ['connectors'],
  summary: 'Patch the configuration for the specified connector (KIP-477): null removes a key',
  params: connectorParam,
  querystring: { type: 'object', properties: forwardQuery },
  body: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } },
  response: { 200: ConnectorInfo, ...errors(400, 404, 409) },
};
export const connectorStatus = { tags: ['connectors'], summary: 'Get the status for the specified connector', params: connectorParam, response: { 200: ConnectorStateInfo, ...errors(404) } };
export const connectorTopics = {
  tags: ['connectors'],
  summary: 'Get the list of topics actively used by the specified connector (KIP-558)',
  params: connectorParam,
  response: { 200: { type: 'object', additionalProperties: { type: 'object', properties: { topics: { type: 'array', items: str } }, additionalProperties: true } }, ...errors(403, 404) },
};
export const resetTopics = { tags: ['connectors'], summary: 'Reset the list of topics actively used by the specified connector', params: connectorParam, response: { 202: { type: 'null', description: 'Accepted' }, ...errors(403, 404) } };
export const connectorTasks = {
  tags: ['connectors'],
  summary: 'List all tasks and their configurations for the specified connector',
  params: connectorParam,
  response: { 200: { type: 'array', items: { type: 'object', description: 'TaskInfo', properties: { id: ConnectorTaskId, config: ConfigMapOut }, additionalProperties: true } }, ...errors(404) },
};
export const putTaskConfigs = {
  tags: ['internal'],
  hide: true,
  summary: 'Internal: task configurations from the worker running the connector, signed (KIP-507)',
  params: connectorParam,
  querystring: { type: 'object', properties: forwardQuery },
  body: { type: 'array', items: ConfigMap },
  response: { 204: { type: 'null' }, ...errors(400, 403, 404, 409, 503) },
};
export const fence = {
  tags: ['internal'],
  hide: true,
  summary: 'Internal: fence zombie tasks of a source connector (KIP-618)',
  params: connectorParam,
  querystring: { type: 'object', properties: forwardQuery },
  response: { 204: { type: 'null' }, ...errors(400, 403, 404, 409, 503) },
};
export const taskStatus = { tags: ['connectors'], summary: 'Get the state of the specified task for the specified connector', params: taskParam, response: { 200: TaskState, ...errors(404) } };
export const taskMetrics = { tags: ['connectors'], summary: 'nagare: records in/out, offset commits, error and DLQ counters of a task running on this worker', params: taskParam, response: { 200: { type: 'object', additionalProperties: { type: 'number' } }, ...errors(404) } };
export const restartTask = {
  tags: ['connectors'],
  summary: 'Restart the specified task for the specified connector',
  params: taskParam,
  querystring: { type: 'object', properties: forwardQuery },
  response: { 204: { type: 'null' }, ...errors(404, 409, 500) },
};
export const restartConnector = {
  tags: ['connectors'],
  summary: 'Restart the specified connector (KIP-745)',
  params: connectorParam,
  querystring: { type: 'object', properties: { includeTasks: { type: 'boolean', default: false, description: 'Whether to also restart tasks' }, onlyFailed: { type: 'boolean', default: false, description: 'Whether to only restart failed tasks/connectors' }, ...forwardQuery } },
  response: { 202: ConnectorStateInfo, 204: { type: 'null' }, ...errors(404, 409, 500) },
};
export const targetState = (summary: string, code: number) => ({
  tags: ['connectors'],
  summary,
  description: 'This operation is idempotent and has no effects if the connector is already in that state',
  params: connectorParam,
  querystring: { type: 'object', properties: forwardQuery },
  response: { [code]: { type: 'null' }, ...errors(404, 409) },
});
export const deleteConnector = { tags: ['connectors'], summary: 'Delete the specified connector', params: connectorParam, querystring: { type: 'object', properties: forwardQuery }, response: { 204: { type: 'null' }, ...errors(404, 409) } };
export const getOffsets = { tags: ['connectors'], summary: 'Get the current offsets for the specified connector (KIP-875)', params: connectorParam, response: { 200: Offsets, ...errors(404) } };
export const alterOffsets = {
  tags: ['connectors'],
  summary: 'Alter the offsets for the specified connector (KIP-875); the connector must be STOPPED',
  params: connectorParam,
  querystring: { type: 'object', properties: forwardQuery },
  body: { type: 'object', properties: { offsets: { type: 'array', items: { type: 'object', properties: { partition: { type: ['object', 'null'], additionalProperties: true }, offset: { type: ['object', 'null'], additionalProperties: true } }, additionalProperties: true } } }, additionalProperties: true },
  response: { 200: Message, ...errors(400, 404, 409, 500) },
};
export const resetOffsets = {
  tags: ['connectors'],
  summary: 'Reset the offsets for the specified connector (KIP-875); the connector must be STOPPED',
  params: connectorParam,
  querystring: { type: 'object', properties: forwardQuery },
  response: { 200: Message, ...errors(400, 404, 409, 500) },
};

export const listPlugins = {
  tags: ['connector-plugins'],
  summary: 'List all connector plugins installed',
  querystring: { type: 'object', properties: { connectorsOnly: { type: 'boolean', default: true, description: 'Whether to list only connectors instead of all plugins' } } },
  response: { 200: { type: 'array', items: { type: 'object', description: 'PluginInfo', properties: { class: str, type: str, version: str }, additionalProperties: true } } },
};
export const pluginConfig = {
  tags: ['connector-plugins'],
  summary: 'Get the configuration definition for the specified pluginName',
  params: { type: 'object', properties: { plugin: str }, required: ['plugin'] },
  response: { 200: { type: 'array', items: ConfigKeyInfo }, ...errors(400, 404) },
};
export const validateConfig = {
  tags: ['connector-plugins'],
  summary: 'Validate the provided configuration against the configuration definition for the specified pluginName',
  params: { type: 'object', properties: { plugin: str }, required: ['plugin'] },
  body: ConfigMap,
  response: { 200: ConfigInfos, ...errors(400) },
};

export const listLoggers = { tags: ['admin'], summary: 'List the current loggers that have their levels explicitly set and their log levels', response: { 200: { type: 'object', additionalProperties: LoggerLevel } } };
export const getLogger = { tags: ['admin'], summary: 'Get the log level for the specified logger', params: { type: 'object', properties: { logger: str }, required: ['logger'] }, response: { 200: LoggerLevel, ...errors(404) } };
export const setLogger = {
  tags: ['admin'],
  summary: 'Set the log level for the specified logger (KIP-976: scope worker or cluster)',
  params: { type: 'object', properties: { logger: str }, required: ['logger'] },
  querystring: { type: 'object', properties: { scope: { type: 'string', default: 'worker', description: 'The scope for the logging modification (single-worker, cluster-wide, etc.)' } } },
  body: { type: 'object', properties: { level: str }, additionalProperties: true },
  response: { 200: { type: 'array', items: str }, 204: { type: 'null' }, ...errors(400, 404) },
};
