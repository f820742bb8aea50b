using Akka.Actor;
using Akka.Hosting;
using Router.Actors.Models;
using Router.Actors.Observability;
using Router.Actors.Routing;
using Router.Contracts.Messages;

namespace Router.Node.Http;

/// <summary>
/// <c>GET /router/history</c>: the last 15 minutes of the models in use, from their actors (wherever they live), for
/// the health page's charts: most troubled first (an open circuit, then the recent error rate), at most
/// <see cref="MaxModels"/> of them; and this node's fallbacks over the same time.
/// </summary>
public static class HistoryEndpoints
{
    public const int MaxModels = 100;
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    public static void MapHistoryEndpoints(this IEndpointRouteBuilder app) => app.MapGet("/router/history", HistoryAsync);

    private static async Task<IResult> HistoryAsync(HttpContext http, ModelHealthBoard board, IRequiredActor<ModelShardRegion> region,
        RouterMetrics metrics, TimeProvider time)
    {
        var used = board.All.Where(v => v.Successes + v.Failures > 0 || v.Circuit != CircuitState.Closed)
            .OrderByDescending(v => v.Circuit == CircuitState.Open).ThenByDescending(v => v.Circuit == CircuitState.HalfOpen)
            .ThenByDescending(v => v.Performance?.ErrorRate ?? 0).ThenByDescending(v => v.Successes + v.Failures)
            .Take(MaxModels).ToList();
        var histories = await Task.WhenAll(used.Select(async v =>
        {
            try
            {
                return await region.ActorRef.Ask<ModelHistory>(new GetModelHistory(v.ModelId), AskTimeout, http.RequestAborted);
            }
            catch (AskTimeoutException)
            {
                return null; // its node is busy or moving it: left out of this refresh
            }
        }));
        return Results.Json(new
        {
            bucket_seconds = CallHistory.Width.TotalSeconds,
            models = histories.OfType<ModelHistory>().Select(h => new { model_id = h.ModelId.Value, points = h.Points }),
            node_fallbacks = metrics.FallbackHistory.Points(time.GetUtcNow()),
        }, HttpResults.Json);
    }
}
