export { main, startFromProperties, USAGE } from './main';
export { consoleLogger } from './logger';
