process.env.TEST_DB_FLAVOUR = "postgres";
