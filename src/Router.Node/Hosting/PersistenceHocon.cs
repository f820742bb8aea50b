using Microsoft.Data.Sqlite;
using Router.Node.Configuration;

namespace Router.Node.Hosting;

/// <summary>The journal and snapshot store settings: PostgreSQL when ROUTER_DB is set, else a SQLite file.</summary>
public static class PersistenceHocon
{
    public const string SqliteProvider = "SQLite.MS";
    public const string PostgresProvider = "PostgreSQL.15";

    public static string For(RouterSettings settings)
    {
        var (connectionString, provider, parallelism) = settings.Database is { } db
            ? (db, PostgresProvider, 3)
            : (PrepareSqlite(settings.DataDir), SqliteProvider, 1); // SQLite takes one writer at a time
        var cs = Quote(connectionString);
        return $$"""
            akka.persistence.journal.sql {
              connection-string = {{cs}}
              provider-name = "{{provider}}"
              parallelism = {{parallelism}}
            }
            akka.persistence.snapshot-store.sql {
              connection-string = {{cs}}
              provider-name = "{{provider}}"
            }
            """;
    }

    /// <summary>Creates the data directory and switches the file to WAL mode (readers do not block the writer).</summary>
    public static string PrepareSqlite(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(Path.Combine(dataDir, "router.db")) }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode=WAL;";
        pragma.ExecuteNonQuery();
        return connectionString;
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
