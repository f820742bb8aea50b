using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Router.Contracts;
using Router.Contracts.OpenRouter;

namespace Router.Node.Http;

/// <summary>Reads and validates a chat completion body; every problem becomes a 4xx with a message naming the field.</summary>
public static class ChatRequestReader
{
    private static readonly HashSet<string> Roles = ["system", "developer", "user", "assistant", "tool", "function"];

    public static async Task<(ChatCompletionRequest? Request, OpenAiError? Error)> ReadAsync(HttpRequest http, int maxMessages, CancellationToken ct)
    {
        var limit = http.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (http.ContentLength > limit)
            return (null, TooLarge(limit));
        ChatCompletionRequest? request;
        try
        {
            // Sized by what arrives, not by what Content-Length promises: a client declaring megabytes and sending
            // bytes must not make Router allocate the megabytes up front.
            using var buffer = new MemoryStream((int)Math.Min(http.ContentLength ?? InitialBuffer, InitialBuffer));
            await http.Body.CopyToAsync(buffer, ct);
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
        return (request, Validate(request, maxMessages));
    }

    public const string LogCategory = "Router.Http";

    /// <summary>Longer than any real model id (OpenRouter's are under 100 characters).</summary>
    public const int MaxModelIdLength = 256;

    /// <summary>Most ids in a request's own fallback list.</summary>
    public const int MaxModels = 100;

    /// <summary>The first buffer for a body; it grows (doubling) with the bytes that actually arrive.</summary>
    private const int InitialBuffer = 16 * 1024;

    private static OpenAiError TooLarge(long? limit) =>
        new($"Request body is larger than the limit of {limit} bytes", "invalid_request_error", null, "request_too_large", 413, null, false, false);

    public static OpenAiError? Validate(ChatCompletionRequest request, int maxMessages)
    {
        if (request.Messages is not { Count: > 0 })
            return OpenAiError.BadRequest("'messages' must be a non-empty array", "messages");
        if (request.Messages.Count > maxMessages)
            return OpenAiError.BadRequest($"'messages' has {request.Messages.Count} items; the limit is {maxMessages}", "messages", "too_many_messages");
        for (var i = 0; i < request.Messages.Count; i++)
        {
            var message = request.Messages[i];
            if (message is null)
                return OpenAiError.BadRequest($"'messages[{i}]' must be an object", $"messages[{i}]");
            if (!Roles.Contains(message.Role))
                return OpenAiError.BadRequest($"'messages[{i}].role' must be one of {string.Join(", ", Roles)}; got '{message.Role}'", $"messages[{i}].role");
            if (message.Content is { ValueKind: not (JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Null) })
                return OpenAiError.BadRequest($"'messages[{i}].content' must be a string or an array of content parts", $"messages[{i}].content");
        }
        if (request.Model is { } model && string.IsNullOrWhiteSpace(model))
            return OpenAiError.BadRequest("'model' must not be empty", "model");
        if (request.Model is { Length: > MaxModelIdLength })
            return OpenAiError.BadRequest($"'model' is longer than {MaxModelIdLength} characters", "model", "model_id_too_long");
        if (request.Models is { } models)
        {
            if (models.Any(string.IsNullOrWhiteSpace))
                return OpenAiError.BadRequest("'models' must hold model ids", "models");
            if (models.Count > MaxModels)
                return OpenAiError.BadRequest($"'models' has {models.Count} ids; the limit is {MaxModels}", "models", "too_many_models");
            if (models.Any(m => m.Length > MaxModelIdLength))
                return OpenAiError.BadRequest($"'models' holds an id longer than {MaxModelIdLength} characters", "models", "model_id_too_long");
        }
        if (request.Temperature is < 0 or > 2)
            return OpenAiError.BadRequest("'temperature' must be between 0 and 2", "temperature");
        if (request.MaxTokens is < 1)
            return OpenAiError.BadRequest("'max_tokens' must be at least 1", "max_tokens");
        return null;
    }

    private static string Describe(JsonException e)
    {
        var where = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" at '{e.Path.TrimStart('$', '.')}'";
        var message = e.Message;
        if (message.Contains("missing required properties", StringComparison.OrdinalIgnoreCase))
            return "Request body is missing required field 'messages'";
        if (message.Contains("could not be converted", StringComparison.OrdinalIgnoreCase))
            return $"Request body has a value of the wrong type{where}";
        return $"Request body is not valid JSON{where}: {message.Split(" Path:")[0]}";
    }
}
