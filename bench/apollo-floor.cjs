// The floor of the stack itself, for bench/read.ts: Apollo Server 5 as its documentation starts
// it (startStandaloneServer, node:http), with a one-field schema, no plugins, no context, no
// database. Whatever our server does on top (express, auth, access rules, type-graphql,
// Prisma) can only make a request slower than this server answers `{ __typename }`.
const { ApolloServer } = require("@apollo/server");
const { startStandaloneServer } = require("@apollo/server/standalone");

async function main() {
  const server = new ApolloServer({ typeDefs: "type Query { ok: Boolean }", resolvers: { Query: { ok: () => true } } });
  const { url } = await startStandaloneServer(server, { listen: { port: Number(process.env.PORT), host: "127.0.0.1" } });
  console.log(`listening at ${url}`);
  process.on("SIGTERM", () => server.stop().then(() => process.exit(0)));
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
