import { DriverAdapterError } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { Prisma } from "../../generated/prisma/client";
import { isRetryable, PostingError, sqlStateOf } from "./ledger.engine";

// The shapes below are the ones Prisma 7.10 with @prisma/adapter-pg 8.x produced for a real
// deadlock between two interactive transactions on PostgreSQL 15 (captured once, by hand):
//   PrismaClientKnownRequestError code "P2010" (any failed $queryRaw / $executeRaw),
//   meta = { driverAdapterError: DriverAdapterError { cause: { originalCode: "40P01",
//            originalMessage: "deadlock detected", kind: "TransactionWriteConflict" } } }
// PostgreSQL's codes: 40P01 deadlock_detected, 40001 serialization_failure, 23505 unique_violation,
// 23514 check_violation, P0001 raise_exception (Appendix A of PostgreSQL's manual).

function adapterError(originalCode: string, originalMessage: string, kind: string): DriverAdapterError {
  return new DriverAdapterError({ originalCode, originalMessage, kind } as unknown as ConstructorParameters<typeof DriverAdapterError>[0]);
}

function prismaError(code: string, meta: Record<string, unknown>, message = "Raw query failed"): Prisma.PrismaClientKnownRequestError {
  return new Prisma.PrismaClientKnownRequestError(message, { code, clientVersion: "7.10.0", meta });
}

function pgError(code: string, message: string): pg.DatabaseError {
  const e = new pg.DatabaseError(message, message.length, "error");
  e.code = code;
  return e;
}

describe("sqlStateOf", () => {
  it("finds a deadlock inside P2010's meta, not Prisma's own code", () => {
    const err = prismaError(
      "P2010",
      { driverAdapterError: adapterError("40P01", "deadlock detected", "TransactionWriteConflict") },
      "Raw query failed. Code: `40P01`. Message: `deadlock detected`",
    );
    expect(sqlStateOf(err)).toBe("40P01");
    expect(isRetryable(err)).toBe(true);
  });

  it("finds a serialization failure inside P2010's meta", () => {
    const err = prismaError("P2010", {
      driverAdapterError: adapterError("40001", "could not serialize access due to concurrent update", "TransactionWriteConflict"),
    });
    expect(sqlStateOf(err)).toBe("40001");
    expect(isRetryable(err)).toBe(true);
  });

  it("finds the code of a bare driver adapter error and of pg's error", () => {
    expect(sqlStateOf(adapterError("40P01", "deadlock detected", "TransactionWriteConflict"))).toBe("40P01");
    expect(sqlStateOf(pgError("40P01", "deadlock detected"))).toBe("40P01");
    expect(isRetryable(pgError("40001", "could not serialize access due to read/write dependencies among transactions"))).toBe(true);
  });

  it("finds a code in an error's cause chain (an error rethrown with its cause)", () => {
    const inner = prismaError("P2010", { driverAdapterError: adapterError("40P01", "deadlock detected", "TransactionWriteConflict") });
    expect(sqlStateOf(new Error("posting failed", { cause: inner }))).toBe("40P01");
  });

  it("reads the posting functions' own answers (PostingError)", () => {
    expect(sqlStateOf(new PostingError("40P01", "deadlock detected"))).toBe("40P01");
    expect(isRetryable(new PostingError("23503", "an account is not in its bank"))).toBe(false);
  });

  it("keeps PL/pgSQL's P0001 (raise_exception) a SQLSTATE, unlike Prisma's P2010", () => {
    expect(sqlStateOf(pgError("P0001", "ledger_post_transfers: the guarded update did not match"))).toBe("P0001");
    expect(sqlStateOf(prismaError("P2025", {}, "Record to update not found."))).toBeNull();
  });

  it("does not retry what a retry cannot change", () => {
    const check = prismaError("P2010", {
      driverAdapterError: adapterError("23514", 'new row for relation "Account" violates check constraint', "postgres"),
    });
    expect(sqlStateOf(check)).toBe("23514");
    expect(isRetryable(check)).toBe(false);
    expect(isRetryable(new Error("something else"))).toBe(false);
    expect(isRetryable(prismaError("P2025", {}))).toBe(false);
  });

  it("retries a write conflict the ORM reported as P2034 without a code of the database", () => {
    expect(
      isRetryable(
        prismaError("P2034", { driverAdapterError: adapterError("40001", "could not serialize access", "TransactionWriteConflict") }),
      ),
    ).toBe(true);
    expect(isRetryable(prismaError("P2034", {}))).toBe(true);
  });
});
