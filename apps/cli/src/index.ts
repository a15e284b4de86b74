export { main, buildProgram, findTool, serverStartArgs } from './main';
export { TOOLS } from './tools';
export type { Io, ToolDef } from './cli/tool';
