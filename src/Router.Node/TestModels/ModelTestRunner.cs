using System.Diagnostics;
using System.Threading.RateLimiting;
using Router.Contracts.OpenRouter;

namespace Router.Node.TestModels;

/// <summary>What a run reports as it goes (the console's progress bar).</summary>
public interface IModelTestProgress
{
    void Starting(int total, int alreadyDone);
    void Testing(string modelId);
    void Tested(ModelTestResult result);
    void Waiting(string modelId, TimeSpan wait);
}

/// <summary>
/// Tests models one after another (or a few at once), paced so test starts stay <c>pace</c> apart. After each model the
/// log gets its details and the report is rewritten, so an interrupted run loses nothing and <c>--resume</c> skips what
/// is done. Cancelling (Ctrl-C) stops the run and writes the partial report.
/// </summary>
public sealed class ModelTestRunner(Func<ModelInfo, CancellationToken, Task<ModelTestResult>> test, ModelTestOutput output, TestModelsOptions options)
{
    public async Task<ModelTestReport> RunAsync(IReadOnlyList<ModelInfo> models, TimeSpan pace, IModelTestProgress progress, CancellationToken ct)
    {
        var previous = options.Resume ? output.Load() : null;
        var results = new List<ModelTestResult>(previous?.Results ?? []);
        var done = results.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var todo = models.Where(m => !done.Contains(m.Id)).ToList();
        var startedAt = previous?.StartedAt ?? DateTimeOffset.UtcNow;
        var earlier = previous?.DurationSeconds ?? 0;
        var planned = Math.Max(models.Count, results.Count);
        var clock = Stopwatch.StartNew();

        output.Log(previous is null
            ? $"Run started: {todo.Count} models, pace {pace.TotalSeconds:0.###} s, concurrency {options.Concurrency}, max tokens {options.MaxTokens}"
            : $"Run resumed: {results.Count} done, {todo.Count} to go");
        progress.Starting(planned, results.Count);

        ModelTestReport Report(bool finished, bool interrupted)
        {
            lock (results)
            {
                var seconds = earlier + clock.Elapsed.TotalSeconds;
                var snapshot = results.ToList();
                return new ModelTestReport
                {
                    StartedAt = startedAt,
                    UpdatedAt = DateTimeOffset.UtcNow,
                    Finished = finished,
                    Interrupted = interrupted,
                    DurationSeconds = Math.Round(seconds, 1),
                    Planned = planned,
                    Summary = ModelTestSummary.From(snapshot, seconds),
                    Results = snapshot,
                };
            }
        }

        using var limiter = pace > TimeSpan.Zero
            ? new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = 1,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = pace,
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            })
            : null;
        try
        {
            await Parallel.ForEachAsync(todo, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Concurrency), CancellationToken = ct },
                async (model, token) =>
                {
                    if (limiter is not null)
                        using (await limiter.AcquireAsync(1, token)) { }
                    progress.Testing(model.Id);
                    var result = await test(model, token);
                    lock (results) results.Add(result);
                    output.Log(result);
                    output.Write(Report(finished: false, interrupted: false));
                    progress.Tested(result);
                });
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            var partial = Report(finished: false, interrupted: true);
            output.Write(partial);
            output.Log($"Run interrupted: {partial.Results.Count} of {planned} done; continue with --resume");
            return partial;
        }

        var report = Report(finished: true, interrupted: false);
        output.Write(report);
        output.Log($"Run finished: {report.Summary.Successful} ok, {report.Summary.Failed} failed, {report.DurationSeconds:0.0} s");
        return report;
    }
}
