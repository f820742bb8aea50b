using System.Net;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Router.Actors.OpenRouter;

/// <summary>
/// The Polly pipeline of every upstream call: a per-attempt timeout inside a retry of transient failures (network,
/// 408, 5xx; 429 only with <see cref="OpenRouterClientOptions.RetryRateLimited"/>) with jittered exponential backoff
/// that honours a capped Retry-After.
/// </summary>
internal static class UpstreamRetries
{
    public static ResiliencePipeline<HttpResponseMessage> Pipeline(OpenRouterClientOptions options, TimeProvider time, ILogger logger)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (options.RetryAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.RetryAttempts - 1,
                ShouldHandle = args => ValueTask.FromResult(IsRetryable(args.Outcome, options)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Backoff.Delay(
                    args.AttemptNumber, options, options.JitterSource(),
                    args.Outcome.Result is { } r ? ErrorClassifier.RetryAfterOf(r, time.GetUtcNow()) : null)),
                OnRetry = args =>
                {
                    logger.LogWarning("OpenRouter call failed ({Failure}); retry {Retry} of {Max} in {DelayMs:0} ms",
                        args.Outcome.Result is { } r ? $"HTTP {(int)r.StatusCode}" : args.Outcome.Exception?.GetType().Name,
                        args.AttemptNumber + 1, options.RetryAttempts - 1, args.RetryDelay.TotalMilliseconds);
                    // The call's span counts its retries.
                    if (Observability.RouterTracing.Call is { } span)
                        span.SetTag(Observability.RouterTracing.Tags.Retries, args.AttemptNumber + 1);
                    return default;
                },
            });
        }
        builder.AddTimeout(options.Timeout);
        return builder.Build();
    }

    private static bool IsRetryable(Outcome<HttpResponseMessage> outcome, OpenRouterClientOptions options) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result: { } r } => ErrorClassifier.IsTransientStatus((int)r.StatusCode)
                             || (options.RetryRateLimited && r.StatusCode == HttpStatusCode.TooManyRequests),
        _ => false,
    };
}
