using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Router.Contracts;
using Router.Contracts.OpenRouter;

namespace Router.Actors.OpenRouter;

/// <summary>Reading an upstream answer's body: a broken connection, bad JSON or an error in a 200 body is the upstream's failure.</summary>
internal static class UpstreamBody
{
    /// <summary>The answer's body (bytes or stream); a connection that breaks while it is read is the upstream's failure, like any other.</summary>
    public static async Task<T> ReadBodyAsync<T>(Task<T> read, string? model, CancellationToken ct)
    {
        try
        {
            return await read;
        }
        catch (Exception e) when (e is IOException or HttpRequestException && !ct.IsCancellationRequested)
        {
            throw new OpenRouterException(ErrorClassifier.Of(UpstreamErrorKind.Network,
                "Connection to OpenRouter broke while reading the answer: " + e.Message, null, model), e);
        }
    }

    public static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, string? model, CancellationToken ct)
    {
        var body = await ReadBodyAsync(response.Content.ReadAsByteArrayAsync(ct), model, ct);
        try
        {
            return JsonSerializer.Deserialize(body, type) ?? throw Invalid("empty body", model);
        }
        catch (JsonException e)
        {
            throw NotJson(e, response, model);
        }
    }

    public static OpenRouterException NotJson(JsonException e, HttpResponseMessage response, string? model) =>
        new(ErrorClassifier.Of(UpstreamErrorKind.InvalidResponse,
            "OpenRouter sent a body that is not valid JSON: " + e.Message, (int)response.StatusCode, model), e);

    public static UpstreamError ClassifyBodyError(ErrorDetail error, string? model) =>
        error.Code is { ValueKind: JsonValueKind.Number } code && code.TryGetInt32(out var status)
            ? ErrorClassifier.FromStatus(status, error.Message, null, model)
            : ErrorClassifier.Of(UpstreamErrorKind.ServerError, error.Message ?? "Upstream error", null, model);

    public static OpenRouterException Invalid(string what, string? model) =>
        new(ErrorClassifier.Of(UpstreamErrorKind.InvalidResponse, "Invalid response from OpenRouter: " + what, null, model));
}
