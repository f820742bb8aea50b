using Router.Contracts;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Router.Node.Http;

/// <summary>
/// Every error Router answers carries OpenAI's error JSON, whoever produced it: routing's own 404 and 405 and any
/// other empty error get a body here, and the request-target limit is enforced here rather than by Kestrel (which
/// would answer 414 with no body); Kestrel's is set above it. What Kestrel still rejects before Router sees it (a
/// request line past its limit, headers over 32 KB: 431, headers that never arrive: 408) keeps Kestrel's empty answer:
/// measuring every request's headers here cost 5 % of Router's CPU per request.
/// </summary>
public static class ErrorAnswers
{
    /// <summary>Kestrel's own default, enforced by Router with a JSON answer.</summary>
    public const int MaxRequestTargetBytes = 8 * 1024;

    public static void RaiseKestrelLimits(KestrelServerLimits limits) => limits.MaxRequestLineSize = 4 * MaxRequestTargetBytes;

    public static void UseOpenAiErrors(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if ((http.Request.Path.Value?.Length ?? 0) + (http.Request.QueryString.Value?.Length ?? 0) > MaxRequestTargetBytes)
        {
            await HttpResults.WriteErrorAsync(http, new OpenAiError($"The request target is longer than {MaxRequestTargetBytes} bytes",
                "invalid_request_error", null, "uri_too_long", 414, null, false, false));
            return;
        }
        await next(http);
        var response = http.Response;
        if (response.StatusCode >= 400 && !response.HasStarted && response.ContentLength is null && string.IsNullOrEmpty(response.ContentType))
            await WriteFor(http);
    });

    private static Task WriteFor(HttpContext http)
    {
        var status = http.Response.StatusCode;
        var request = $"{http.Request.Method} {http.Request.Path}";
        var error = status switch
        {
            404 => new OpenAiError($"Unknown route: {request}. Router serves POST /v1/chat/completions, GET /v1/models and GET /v1/models/{{id}}",
                "invalid_request_error", null, "unknown_url", 404, null, false, false),
            405 => new OpenAiError($"Method not allowed: {request}" + (http.Response.Headers.Allow is { Count: > 0 } allow ? $"; allowed: {allow}" : ""),
                "invalid_request_error", null, "method_not_allowed", 405, null, false, false),
            >= 500 => new OpenAiError($"Router failed to answer {request} (HTTP {status})", "server_error", null, "internal_error", status, null, true, false),
            _ => new OpenAiError($"{request} was refused (HTTP {status})", "invalid_request_error", null, "invalid_request", status, null, false, false),
        };
        return HttpResults.WriteErrorAsync(http, error);
    }
}
