export { main, buildProgram, findTool, serverStartArgs } from './main';
export { allTools } from './tools';
export type { Io, ToolDef } from './cli/tool';
