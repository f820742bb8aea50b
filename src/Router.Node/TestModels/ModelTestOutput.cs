using System.Text.Json;
using System.Text.Json.Serialization;

namespace Router.Node.TestModels;

/// <summary>The run's files: <c>openrouter_model_test.log</c> (details, appended) and <c>openrouter_test_results.json</c> (rewritten atomically).</summary>
public sealed class ModelTestOutput
{
    public const string LogFileName = "openrouter_model_test.log";
    public const string ReportFileName = "openrouter_test_results.json";

    public static readonly JsonSerializerOptions Json = Router.Contracts.RouterJson.Create(indented: true);

    private readonly object _gate = new();

    public ModelTestOutput(string directory)
    {
        Directory.CreateDirectory(directory);
        LogPath = Path.Combine(directory, LogFileName);
        ReportPath = Path.Combine(directory, ReportFileName);
    }

    public string LogPath { get; }
    public string ReportPath { get; }

    public void Log(string line)
    {
        lock (_gate)
            File.AppendAllText(LogPath, $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss.fff} {line}{Environment.NewLine}");
    }

    public void Log(ModelTestResult r) => Log(r.Ok
        ? $"[OK]   {r.Id} latency={r.LatencyMs:0.0}ms tokens={r.PromptTokens}+{r.CompletionTokens}={r.TotalTokens} tries={r.Tries} response=\"{r.Response}\""
        : $"[FAIL] {r.Id} reason=\"{r.Reason}\" status={r.StatusCode?.ToString() ?? "-"} latency={r.LatencyMs:0.0}ms tries={r.Tries} error=\"{r.Error}\"");

    /// <summary>Writes the report through a temporary file, so a crash never leaves half a report.</summary>
    public void Write(ModelTestReport report)
    {
        lock (_gate)
        {
            var temp = ReportPath + ".tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(report, Json));
            File.Move(temp, ReportPath, overwrite: true);
        }
    }

    /// <summary>The report of an earlier run, or null when there is none (or it cannot be read).</summary>
    public ModelTestReport? Load()
    {
        if (!File.Exists(ReportPath)) return null;
        try
        {
            return JsonSerializer.Deserialize<ModelTestReport>(File.ReadAllText(ReportPath), Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
