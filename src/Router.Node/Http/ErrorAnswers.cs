using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Router.Node.Http;

/// <summary>
/// Every error Router answers carries OpenAI's error JSON, whoever produced it: routing's own 404 and 405 and any
/// other empty error get a body here, and the request line and header limits are enforced here rather than by Kestrel
/// (which would answer 414 and 431 with no body). Kestrel's limits are set above these, so only a request past them,
/// or one whose headers never arrive (Kestrel's 408), is still answered by Kestrel with an empty body.
/// </summary>
public static class ErrorAnswers
{
    /// <summary>Kestrel's own defaults, enforced by Router with a JSON answer.</summary>
    public const int MaxRequestTargetBytes = 8 * 1024, MaxHeaderBytes = 32 * 1024;

    public static void RaiseKestrelLimits(KestrelServerLimits limits)
    {
        limits.MaxRequestLineSize = 4 * MaxRequestTargetBytes;
        limits.MaxRequestHeadersTotalSize = 4 * MaxHeaderBytes;
        limits.Http2.MaxRequestHeaderFieldSize = 4 * MaxHeaderBytes;
        limits.Http3.MaxRequestHeaderFieldSize = 4 * MaxHeaderBytes;
    }

    public static void UseOpenAiErrors(this IApplicationBuilder app)
    {
        app.UseStatusCodePages(context => WriteFor(context.HttpContext));
        app.Use((http, next) => TooLong(http.Request) is { } error ? HttpResults.WriteErrorAsync(http, error) : next(http));
    }

    private static OpenAiError? TooLong(HttpRequest request)
    {
        if (request.Path.Value?.Length + request.QueryString.Value?.Length > MaxRequestTargetBytes)
            return new OpenAiError($"The request target is longer than {MaxRequestTargetBytes} bytes", "invalid_request_error", null, "uri_too_long", 414, null, false, false);
        long headers = 0;
        foreach (var (name, values) in request.Headers)
            foreach (var value in values)
                headers += name.Length + (value?.Length ?? 0) + 4;
        return headers > MaxHeaderBytes
            ? new OpenAiError($"The request headers are larger than {MaxHeaderBytes} bytes", "invalid_request_error", null, "headers_too_large", 431, null, false, false)
            : null;
    }

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
