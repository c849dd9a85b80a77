import { StatementNames } from "./statement-names";

describe("StatementNames", () => {
  it("names a text from its second use on, always with the same name", () => {
    const names = new StatementNames({ maxNames: 10, minUses: 2 });
    expect(names.name("SELECT 1")).toBeUndefined();
    const first = names.name("SELECT 1");
    expect(first).toMatch(/^tb\d+$/);
    expect(names.name("SELECT 1")).toBe(first);
    expect(names.name("SELECT 2")).toBeUndefined();
    expect(names.name("SELECT 2")).not.toBe(first);
    expect(names.size).toBe(2);
  });

  it("names at once with minUses 1, and never two texts alike", () => {
    const names = new StatementNames({ maxNames: 100, minUses: 1 });
    const given = Array.from({ length: 50 }, (_, i) => names.name(`SELECT ${i}`));
    expect(new Set(given).size).toBe(50);
    expect(given.every((n) => n !== undefined)).toBe(true);
  });

  it("stops naming new texts at maxNames and keeps the names it gave", () => {
    const names = new StatementNames({ maxNames: 2, minUses: 1 });
    const a = names.name("a");
    const b = names.name("b");
    expect(names.name("c")).toBeUndefined();
    expect(names.name("c")).toBeUndefined();
    expect(names.name("a")).toBe(a);
    expect(names.name("b")).toBe(b);
    expect(names.size).toBe(2);
  });

  it("names nothing with maxNames 0", () => {
    const names = new StatementNames({ maxNames: 0, minUses: 1 });
    expect(names.name("SELECT 1")).toBeUndefined();
    expect(names.name("SELECT 1")).toBeUndefined();
    expect(names.size).toBe(0);
  });

  it("does not keep counting an unbounded number of one-off texts", () => {
    const names = new StatementNames({ maxNames: 10, minUses: 3 });
    for (let i = 0; i < 20_000; i++) names.name(`SELECT ${i}`);
    const counted = (names as unknown as { seen: Map<string, number> }).seen.size;
    expect(counted).toBeLessThanOrEqual(4096);
    expect(names.size).toBe(0);
  });

  it("refuses nonsense options", () => {
    expect(() => new StatementNames({ maxNames: -1, minUses: 1 })).toThrow();
    expect(() => new StatementNames({ maxNames: 1, minUses: 0 })).toThrow();
  });
});
