export { main, startFromProperties, startEmbedded, USAGE } from './main';
export { consoleLogger } from './logger';
