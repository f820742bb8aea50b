using Router.Client.Configuration;
using Akka.Hosting;
using Akka.Persistence.Hosting;
using Akka.Persistence.Sql.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Router.Node.Configuration;

namespace Router.Node.Hosting;

/// <summary>The journal and snapshot store: PostgreSQL when ROUTER_DB is set, else a SQLite file in ROUTER_DATA_DIR.</summary>
public static class RouterPersistence
{
    public const string SqliteProvider = "SQLite.MS";
    public const string PostgresProvider = "PostgreSQL.15";
    public const string JournalCheck = "akka-persistence-journal";
    public const string SnapshotCheck = "akka-persistence-snapshot-store";

    public static AkkaConfigurationBuilder AddRouterPersistence(this AkkaConfigurationBuilder builder, RouterSettings settings, string[] readinessTags)
    {
        var (connectionString, provider, writers) = settings.Database is { } db
            ? (db, PostgresProvider, 3)
            : (PrepareSqlite(settings.DataDir), SqliteProvider, 1); // SQLite takes one writer at a time
        return builder
            .WithSqlPersistence(connectionString, provider, autoInitialize: true,
                journalBuilder: journal => journal.WithHealthCheck(HealthStatus.Unhealthy, JournalCheck, readinessTags),
                snapshotBuilder: snapshots => snapshots.WithHealthCheck(HealthStatus.Unhealthy, SnapshotCheck, readinessTags))
            // The journal's write parallelism has no typed option.
            .AddHocon($"akka.persistence.journal.sql.parallelism = {writers}", HoconAddMode.Prepend);
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
}
