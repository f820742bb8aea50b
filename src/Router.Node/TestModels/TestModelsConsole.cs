using Spectre.Console;

namespace Router.Node.TestModels;

/// <summary>The run's terminal output: a live progress bar, then the seed's summary and a latency chart.</summary>
public static class TestModelsConsole
{
    public static Task<ModelTestReport> WithProgressAsync(IAnsiConsole console, Func<IModelTestProgress, Task<ModelTestReport>> run) =>
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(),
                new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx => await run(new ProgressBar(ctx.AddTask("Testing models"))));

    private sealed class ProgressBar(ProgressTask task) : IModelTestProgress
    {
        private readonly object _gate = new();
        private readonly List<string> _testing = []; // the models under test now, oldest first
        private int _ok, _failed, _done, _total;

        public void Starting(int total, int alreadyDone)
        {
            _total = total;
            _done = alreadyDone;
            task.MaxValue = Math.Max(1, total);
            task.Value = alreadyDone;
            Describe();
        }

        public void Testing(string modelId)
        {
            lock (_gate) _testing.Add(modelId);
            Describe();
        }

        public void Tested(ModelTestResult result)
        {
            lock (_gate)
            {
                _testing.Remove(result.Id);
                if (result.Ok) _ok++;
                else _failed++;
                _done++;
            }
            task.Increment(1);
            Describe();
        }

        /// <summary>The run pauses on a Retry-After: say which model and until when (the remaining time grows meanwhile).</summary>
        public void Waiting(string modelId, TimeSpan wait) => Describe(
            $" [yellow]{Markup.Escape(modelId)} rate limited: paused until {DateTime.Now.Add(wait):HH:mm:ss} ({wait.TotalSeconds:0} s)[/]");

        private void Describe(string? note = null)
        {
            lock (_gate)
            {
                var now = _testing.Count switch
                {
                    0 => "",
                    1 => " " + Markup.Escape(_testing[0]),
                    var n => $" {Markup.Escape(_testing[0])} (+{n - 1})",
                };
                task.Description = $"{_done}/{_total} [green]ok {_ok}[/] [red]failed {_failed}[/]{note ?? now}";
            }
        }
    }

    public static void WriteSummary(IAnsiConsole console, ModelTestReport report, ModelTestOutput output)
    {
        var s = report.Summary;
        console.WriteLine();
        console.Write(new Rule(report.Interrupted ? "[yellow]Partial summary (interrupted)[/]" : "[bold]Summary[/]"));
        console.MarkupLine($"Total models tested: [bold]{s.Total}[/]{(report.Planned > s.Total ? $" of {report.Planned}" : "")}");
        console.MarkupLine($"Successful: [green]{s.Successful}[/]");
        console.MarkupLine($"Failed: [red]{s.Failed}[/]");
        console.MarkupLine($"Success rate: {s.SuccessRate * 100:0.0}%");
        console.MarkupLine($"Average latency: {(s.AverageLatencyMs is { } avg ? $"{avg / 1000:0.000} s" : "n/a")}");
        console.MarkupLine($"Total duration: {TimeSpan.FromSeconds(s.TotalDurationSeconds):hh\\:mm\\:ss}");
        console.MarkupLine($"Total tokens: {s.TotalTokens}");

        var failed = report.Results.Where(r => !r.Ok).ToList();
        if (failed.Count > 0)
        {
            console.WriteLine();
            console.MarkupLine("[bold]Failed models:[/]");
            foreach (var (reason, count) in s.FailuresByReason)
                console.MarkupLine($"  {Markup.Escape(reason)}: {count}");
            foreach (var r in failed.Take(50))
                console.MarkupLine($"  - {Markup.Escape(r.Id)}: {Markup.Escape(r.Reason ?? "")}{(r.StatusCode is { } code ? $" ({code})" : "")}");
            if (failed.Count > 50) console.MarkupLine($"  ... and {failed.Count - 50} more (see {Markup.Escape(output.ReportPath)})");
        }

        if (s.Fastest.Count > 0)
        {
            console.WriteLine();
            console.MarkupLine("[bold]Top 5 fastest:[/]");
            for (var i = 0; i < s.Fastest.Count; i++)
                console.MarkupLine($"  {i + 1}. {Markup.Escape(s.Fastest[i].Id)} - {s.Fastest[i].LatencyMs / 1000:0.000} s");
            WriteLatencyChart(console, report.Results);
        }
        console.WriteLine();
        console.MarkupLine($"Log: {Markup.Escape(output.LogPath)}");
        console.MarkupLine($"Report: {Markup.Escape(output.ReportPath)}");
    }

    /// <summary>How many successful models answered within each latency band.</summary>
    private static void WriteLatencyChart(IAnsiConsole console, IReadOnlyList<ModelTestResult> results)
    {
        double[] bounds = [250, 500, 1000, 2000, 5000, 10000, double.MaxValue];
        var latencies = results.Where(r => r.Ok && r.LatencyMs is not null).Select(r => r.LatencyMs!.Value).ToList();
        var chart = new BarChart().Label("[bold]Latency distribution (models)[/]").Width(70);
        var lower = 0.0;
        foreach (var upper in bounds)
        {
            var count = latencies.Count(l => l >= lower && l < upper);
            var label = upper == double.MaxValue ? $">= {lower / 1000:0.##} s" : $"< {upper / 1000:0.##} s";
            chart.AddItem(label, count, Color.Green);
            lower = upper;
        }
        console.WriteLine();
        console.Write(chart);
    }
}
