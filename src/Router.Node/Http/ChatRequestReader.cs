using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Router.Contracts;
using Router.Actors.Routing;
using Router.Contracts.OpenRouter;

namespace Router.Node.Http;

/// <summary>Reads and validates a chat completion body; every problem becomes a 4xx with a message naming the field.</summary>
public static class ChatRequestReader
{
    public static async Task<(ChatCompletionRequest? Request, OpenAiError? Error)> ReadAsync(HttpRequest http, int maxMessages, CancellationToken ct)
    {
        var sizeLimit = http.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        var limit = sizeLimit?.MaxRequestBodySize;
        var drainLimit = limit is { } l ? DrainLimit(l) : (long?)null;
        if (http.ContentLength > limit && (http.ContentLength > drainLimit || http.Headers.Expect.Count > 0))
        {
            // Not worth reading (or not sent yet: the client waits for a 100 Continue it will not get). Kestrel closes
            // the connection after the answer, since the body was not read.
            if (HttpProtocol.IsHttp11(http.Protocol) || HttpProtocol.IsHttp10(http.Protocol))
                http.HttpContext.Response.Headers.Connection = "close"; // HTTP/2 resets the stream instead
            return (null, TooLarge(limit));
        }
        if (sizeLimit is { IsReadOnly: false }) sizeLimit.MaxRequestBodySize = drainLimit; // the limit is enforced below
        ChatCompletionRequest? request;
        try
        {
            // Sized by what arrives, not by what Content-Length promises: a client declaring megabytes and sending
            // bytes must not make Router allocate the megabytes up front.
            using var buffer = new MemoryStream((int)Math.Min(http.ContentLength ?? InitialBuffer, InitialBuffer));
            if (!await CopyUpToAsync(http.Body, buffer, limit, ct))
                return (null, TooLarge(limit)); // read to its end, so the client reads this answer instead of a reset
            var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
            if (!System.Text.Unicode.Utf8.IsValid(body.Span))
                return (null, OpenAiError.BadRequest("Request body is not valid UTF-8"));
            if (JsonEscapes.HasLoneSurrogate(body.Span))
                return (null, OpenAiError.BadRequest("Request body has a \\u escape of a lone UTF-16 surrogate, which is not text and cannot be sent upstream"));
            request = JsonSerializer.Deserialize(body.Span, RouterJsonContext.Default.ChatCompletionRequest);
        }
        catch (JsonException e)
        {
            return (null, OpenAiError.BadRequest(Describe(e), e.Path?.TrimStart('$', '.')));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(limit));
        }
        catch (Exception e) when (e is BadHttpRequestException or IOException || (e is OperationCanceledException && ct.IsCancellationRequested))
        {
            // Kestrel gave up on the body (too slow: 408; cut short: 400), or the client went away while sending it:
            // expected client faults, not Router's errors.
            var status = (e as BadHttpRequestException)?.StatusCode ?? StatusCodes.Status400BadRequest;
            // A body cut by the client leaves Kestrel's reader mid-read; without the abort it tries to drain the
            // rest after the response and logs that as an error.
            if (e is not BadHttpRequestException) http.HttpContext.Abort();
            http.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory)
                .LogDebug("Request body from {Client} not received ({Status}): {Reason}", http.HttpContext.Connection.RemoteIpAddress, status, e.Message);
            return (null, new OpenAiError("Request body not received: " + e.Message, "invalid_request_error", null,
                status == StatusCodes.Status408RequestTimeout ? "request_timeout" : "invalid_request", status, null, false, false));
        }
        if (request is null)
            return (null, OpenAiError.BadRequest("Request body must be a JSON object"));
        return (request, ChatRequestRules.Validate(request, maxMessages));
    }

    public const string LogCategory = "Router.Http";

    /// <summary>The first buffer for a body; it grows (doubling) with the bytes that actually arrive.</summary>
    private const int InitialBuffer = 16 * 1024;

    /// <summary>
    /// How much of a body over the limit is read and thrown away so that the client, still sending, can read the 413
    /// (a server that answers and closes mid-upload makes most clients report a reset instead). Past it, the
    /// connection is closed.
    /// </summary>
    private static long DrainLimit(long limit) => Math.Min(limit * 4, limit + 64L * 1024 * 1024);

    /// <summary>Copies the body while it fits in <paramref name="limit"/>; past that, reads the rest and discards it.</summary>
    private static async Task<bool> CopyUpToAsync(Stream body, MemoryStream into, long? limit, CancellationToken ct)
    {
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(InitialBuffer);
        try
        {
            var fits = true;
            int read;
            while ((read = await body.ReadAsync(chunk, ct)) > 0)
            {
                fits = fits && into.Length + read <= (limit ?? long.MaxValue);
                if (fits) into.Write(chunk, 0, read);
            }
            return fits;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static OpenAiError TooLarge(long? limit) =>
        new($"Request body is larger than the limit of {limit} bytes", "invalid_request_error", null, "request_too_large", 413, null, false, false);

    /// <summary>The field named by a missing-required-property error, with its place: <c>messages[2].role</c>.</summary>
    private static string MissingField(JsonException e)
    {
        // "JSON deserialization for type 'X' was missing required properties including: 'role'." (the path is the object's)
        var colon = e.Message.LastIndexOf(": ", StringComparison.Ordinal);
        var field = colon < 0 ? "messages" : e.Message[(colon + 2)..].Split(',')[0].Trim(' ', '.', '\'', '"');
        var parent = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : e.Path.TrimStart('$', '.');
        return parent.Length == 0 ? field : $"{parent}.{field}";
    }

    private static string Describe(JsonException e)
    {
        var where = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" at '{e.Path.TrimStart('$', '.')}'";
        var message = e.Message;
        if (message.Contains("missing required properties", StringComparison.OrdinalIgnoreCase))
            return $"Request body is missing required field '{MissingField(e)}'";
        if (e.Path == "$.router.sort")
            return $"'router.sort' must be one of {string.Join(", ", Enum.GetNames<RouteSort>().Select(n => n.ToLowerInvariant()))}";
        if (message.Contains("could not be converted", StringComparison.OrdinalIgnoreCase))
            return $"Request body has a value of the wrong type{where}";
        return $"Request body is not valid JSON{where}: {message.Split(" Path:")[0]}";
    }
}
