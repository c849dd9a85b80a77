// Structured JSON logs. Personal data, tokens and passwords never go into a log line: log ids.
import pino from "pino";

export type Logger = pino.Logger;

/** JSON lines to stdout, or to `destination` (tests read what was logged). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: "timebank" },
    redact: { paths: ["password", "*.password", "token", "*.token", "authorization", "*.authorization"], remove: true },
  };
  return destination ? pino(options, destination) : pino(options);
}
