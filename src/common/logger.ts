// Structured JSON logs. Personal data, tokens and passwords never go into a log line: log ids.
import pino from "pino";

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "timebank" },
    redact: { paths: ["password", "*.password", "token", "*.token", "authorization", "*.authorization"], remove: true },
  });
}
