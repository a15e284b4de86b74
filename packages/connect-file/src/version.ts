/** The version the FileStream plugins report (this package's). */
export const CONNECT_FILE_VERSION = '0.1.0';
