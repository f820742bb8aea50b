using Router.Client.Hosting;
using Router.Client.Configuration;
using System.CommandLine;
using Akka.Streams;
using Router.Actors.Catalog;
using Router.Actors.OpenRouter;
using Router.Actors.Routing;
using Router.Node.Configuration;
using Router.Node.Hosting;
using Spectre.Console;

namespace Router.Node.TestModels;

/// <summary><c>test-models</c>: tests every model with "Hello, world!" and writes a log, a JSON report and a summary.</summary>
public static class TestModelsCommand
{
    /// <summary>Used when the key's rate limit cannot be read.</summary>
    public static readonly TimeSpan FallbackPace = TimeSpan.FromSeconds(3);

    public static Command Create(Func<string[], RouterSettings?> loadSettings)
    {
        var models = new Option<string?>("--models") { Description = "Comma list of model ids to test (default: the whole catalog)" };
        var freeOnly = new Option<bool>("--free-only") { Description = "Only free models (:free or zero pricing)" };
        var match = new Option<string?>("--match") { Description = "Only models whose id or name contains this text" };
        var delay = new Option<double?>("--delay") { Description = "Seconds between test starts (default: derived from the key's rate limit; the seed used 180)" };
        var concurrency = new Option<int>("--concurrency") { Description = "Models tested at once", DefaultValueFactory = _ => 1 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "max_tokens of each test request", DefaultValueFactory = _ => 64 };
        var maxRetries = new Option<int>("--max-retries") { Description = "Times a rate-limited model is waited out and retried", DefaultValueFactory = _ => 2 };
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted run without retesting finished models" };
        var output = new Option<string>("--output") { Description = "Directory for the log and the JSON report", DefaultValueFactory = _ => "." };

        var command = new Command("test-models", "Test every model with \"Hello, world!\": latency, tokens, failures; log, JSON report and summary")
        {
            models, freeOnly, match, delay, concurrency, maxTokens, maxRetries, resume, output,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var settings = loadSettings([.. parse.UnmatchedTokens]);
            if (settings is null) return 2;
            var options = new TestModelsOptions
            {
                Models = parse.GetValue(models)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                FreeOnly = parse.GetValue(freeOnly),
                Match = parse.GetValue(match),
                Delay = parse.GetValue(delay) is { } seconds ? TimeSpan.FromSeconds(Math.Max(0, seconds)) : null,
                Concurrency = Math.Max(1, parse.GetValue(concurrency)),
                MaxTokens = Math.Max(1, parse.GetValue(maxTokens)),
                MaxRetries = Math.Max(0, parse.GetValue(maxRetries)),
                Resume = parse.GetValue(resume),
                OutputDirectory = parse.GetValue(output) ?? ".",
            };
            return await ExecuteAsync(settings, options, AnsiConsole.Console, ct);
        });
        return command;
    }

    /// <summary>Starts an embedded node, tests the selected models through its model actors, reports. Exit code 130 when interrupted.</summary>
    public static async Task<int> ExecuteAsync(RouterSettings settings, TestModelsOptions options, IAnsiConsole console, CancellationToken ct,
        RouterNodeOptions? nodeOptions = null)
    {
        // Its own HTTP and remoting ports; with seed nodes it joins that cluster as a front node, feeding its model actors.
        settings = settings with
        {
            Urls = ["http://127.0.0.1:0"],
            Port = settings.SeedNodes.Count > 0 ? 0 : Router.Shared.Loopback.FreePort(),
            Roles = settings.SeedNodes.Count > 0 ? [RouterCluster.FrontRole] : settings.Roles,
        };
        await using var node = await RouterNode.StartAsync(settings, (nodeOptions ?? new RouterNodeOptions()) with
        {
            // The progress bar is the console's; details go to the log file.
            Logging = l => l.SetMinimumLevel(LogLevel.Error),
        }, ct);

        var catalog = node.Services.GetRequiredService<CatalogReplica>();
        // Models outside the catalog are never called (they get no actor), so a run needs the catalog.
        if (!await catalog.WaitLoadedAsync(TimeSpan.FromSeconds(30), ct))
        {
            console.MarkupLine("[red]The model catalog could not be fetched.[/]");
            return 1;
        }

        var selected = ModelSelection.Filter(catalog.Current.Models, options);
        var output = new ModelTestOutput(options.OutputDirectory);
        var previous = options.Resume ? output.Load() : null;
        var tested = previous?.Results.Select(r => r.Id).ToHashSet(StringComparer.Ordinal) ?? [];
        var remaining = selected.Count(m => !tested.Contains(m.Id));
        if (options.Resume)
            console.MarkupLine(previous is null
                ? $"[yellow]--resume: no report in {Markup.Escape(output.ReportPath)} to resume; starting a new run.[/]"
                : $"Resuming {Markup.Escape(output.ReportPath)}: {selected.Count - remaining} of the {selected.Count} selected models already tested.");
        if (remaining == 0 && previous is not null)
        {
            console.MarkupLine("[yellow]Nothing left to test: every selected model is in the report. Run without --resume to test them again. " +
                               "The summary below is the stored report's.[/]");
            TestModelsConsole.WriteSummary(console, previous, output);
            return 0;
        }

        var pace = options.Delay ?? await PaceFromKeyAsync(node.Services.GetRequiredService<OpenRouterClient>(), console, ct);
        console.MarkupLine($"Testing [bold]{remaining}[/] models{(remaining < selected.Count ? $" (the rest of {selected.Count})" : "")} through " +
                           $"{(node.Fake is null ? "OpenRouter" : "the DEV_MODE fake OpenRouter")}, one start every {pace.TotalSeconds:0.###} s, {options.Concurrency} at a time.");

        IModelTestProgress? progressSink = null;
        var prober = new ModelProber(node.Services.GetRequiredService<Coordinators>(),
            node.Services.GetRequiredService<Akka.Actor.ActorSystem>().Materializer(), options,
            (model, wait) => progressSink?.Waiting(model, wait));
        var runner = new ModelTestRunner(prober.TestAsync, output, options);
        var report = await TestModelsConsole.WithProgressAsync(console, progress =>
        {
            progressSink = progress;
            return runner.RunAsync(selected, pace, progress, ct);
        });
        TestModelsConsole.WriteSummary(console, report, output);
        return report.Interrupted ? 130 : 0;
    }

    private static async Task<TimeSpan> PaceFromKeyAsync(OpenRouterClient client, IAnsiConsole console, CancellationToken ct)
    {
        try
        {
            var key = await client.GetKeyInfoAsync(ct);
            return ModelSelection.PaceFor(key, FallbackPace);
        }
        catch (OpenRouterException e)
        {
            console.MarkupLine($"[yellow]Could not read the key's rate limit ({Markup.Escape(e.Error.Message)}); pacing at {FallbackPace.TotalSeconds} s.[/]");
            return FallbackPace;
        }
    }
}
