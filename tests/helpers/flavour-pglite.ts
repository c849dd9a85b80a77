process.env.TEST_DB_FLAVOUR = "pglite";
