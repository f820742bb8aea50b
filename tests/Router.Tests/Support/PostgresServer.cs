using System.Diagnostics;
using Npgsql;

namespace Router.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL server on a free loopback port, in a temporary folder, from the machine's binaries
/// (PG_BIN, or /usr/lib/postgresql/*/bin; .ci/run installs them). Run as the 'postgres' user when the tests run as root,
/// since initdb refuses root. Shared by the tests of one collection; each test takes its own database.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "router-pg-" + Guid.NewGuid().ToString("N")[..8]);
    private string _bin = "";
    private int _databases;

    public int Port { get; private set; }
    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=router;Database=postgres;Pooling=false";

    public async Task InitializeAsync()
    {
        _bin = FindBinaries();
        Port = TestNodes.FreePort();
        Directory.CreateDirectory(_dir);
        if (Environment.UserName == "root")
            await RunAsync("chown", $"-R postgres {_dir}");
        await RunPgAsync("initdb", $"-D {_dir}/data -U router --auth=trust --no-sync -E UTF8");
        await RunPgAsync("pg_ctl", $"-D {_dir}/data -l {_dir}/log -w -t 30 -o \"-p {Port} -h 127.0.0.1 -k {_dir} -c fsync=off -c max_connections=300\" start");
    }

    /// <summary>A fresh, empty database; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"router_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..6]}";
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return $"Host=127.0.0.1;Port={Port};Username=router;Database={name}";
    }

    public async Task DisposeAsync()
    {
        try
        {
            await RunPgAsync("pg_ctl", $"-D {_dir}/data -m immediate -w stop");
        }
        finally
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static string FindBinaries()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("PG_BIN") }
            .Concat(Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin"))
                : []);
        return candidates.FirstOrDefault(d => d is not null && File.Exists(Path.Combine(d, "initdb")))
               ?? throw new InvalidOperationException("PostgreSQL server binaries not found: install the 'postgresql' package or set PG_BIN (.ci/run does this)");
    }

    private Task RunPgAsync(string tool, string arguments) => Environment.UserName == "root"
        ? RunAsync("runuser", $"-u postgres -- {Path.Combine(_bin, tool)} {arguments}")
        : RunAsync(Path.Combine(_bin, tool), arguments);

    private static async Task RunAsync(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {await error}{await output}");
    }
}

[CollectionDefinition(Name, DisableParallelization = true)] // a system test collection, like SystemTests
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
