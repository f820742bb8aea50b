using System.Net;
using System.Net.ServerSentEvents;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Timeout;
using Router.Contracts;
using Router.Contracts.OpenRouter;

namespace Router.Actors.OpenRouter;

/// <summary>
/// OpenRouter's HTTP API over one pooled connection handler. Each call runs through the retry and timeout pipeline
/// of <see cref="UpstreamRetries"/>. Failures surface as <see cref="OpenRouterException"/> carrying a classified <see cref="UpstreamError"/>.
/// </summary>
public sealed class OpenRouterClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly OpenRouterClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly Version _version;
    private readonly HttpVersionPolicy _versionPolicy;

    public OpenRouterClient(OpenRouterClientOptions options, ILogger<OpenRouterClient>? logger = null, TimeProvider? time = null)
    {
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            MaxConnectionsPerServer = 512,
            AutomaticDecompression = DecompressionMethods.All,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            EnableMultipleHttp2Connections = true, // past the server's limit of concurrent streams, another connection
            ActivityHeadersPropagator = null, // UpstreamSpans sends a traced call's context, and only a traced call's
        };
        _http = new HttpClient(new UpstreamSpans(handler))
        {
            BaseAddress = new Uri(options.BaseUrl.TrimEnd('/') + "/"),
            Timeout = System.Threading.Timeout.InfiniteTimeSpan, // the pipeline owns timeouts
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        _http.DefaultRequestHeaders.TryAddWithoutValidation("HTTP-Referer", options.SiteUrl);
        _http.DefaultRequestHeaders.TryAddWithoutValidation("X-Title", options.AppName);
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Router", "1.0"));
        _pipeline = UpstreamRetries.Pipeline(options, _time, _logger);
        (_version, _versionPolicy) = options.HttpVersion switch
        {
            UpstreamHttpVersion.Http11 => (HttpVersion.Version11, HttpVersionPolicy.RequestVersionExact),
            UpstreamHttpVersion.Http2 => (HttpVersion.Version20, HttpVersionPolicy.RequestVersionExact),
            _ => (HttpVersion.Version20, HttpVersionPolicy.RequestVersionOrLower), // plain http stays on HTTP/1.1
        };
    }

    public OpenRouterClientOptions Options => _options;

    /// <summary><c>GET /models</c>: the catalog.</summary>
    public async Task<IReadOnlyList<ModelInfo>> GetModelsAsync(CancellationToken ct = default)
    {
        using var response = await SendAsync(() => NewRequest(HttpMethod.Get, "models"), HttpCompletionOption.ResponseContentRead, null, ct);
        var list = await UpstreamBody.ReadJsonAsync(response, RouterJsonContext.Default.ModelList, null, ct);
        return list.Data ?? throw UpstreamBody.Invalid("models list has no data", null);
    }

    /// <summary><c>GET /key</c>: the key's limits (used to pace test runs).</summary>
    public async Task<KeyInfo> GetKeyInfoAsync(CancellationToken ct = default)
    {
        using var response = await SendAsync(() => NewRequest(HttpMethod.Get, "key"), HttpCompletionOption.ResponseContentRead, null, ct);
        var envelope = await UpstreamBody.ReadJsonAsync(response, RouterJsonContext.Default.KeyInfoEnvelope, null, ct);
        return envelope.Data ?? throw UpstreamBody.Invalid("key info has no data", null);
    }

    /// <summary>A non-streaming completion, as the upstream's JSON (checked, not parsed: see <see cref="UpstreamCompletion"/>).</summary>
    public async Task<UpstreamCompletion> CompleteAsync(ChatCompletionRequest request, CancellationToken ct = default)
    {
        request = request with { Stream = false };
        using var response = await SendAsync(ChatRequest(request), HttpCompletionOption.ResponseContentRead, request.Model, ct);
        var body = await UpstreamBody.ReadBodyAsync(response.Content.ReadAsByteArrayAsync(ct), request.Model, ct);
        UpstreamCompletion completion;
        try
        {
            completion = UpstreamCompletion.Read(body);
            if (completion.HasError && completion.Response.Error is { } error)
                throw new OpenRouterException(UpstreamBody.ClassifyBodyError(error, request.Model));
        }
        catch (JsonException e)
        {
            throw UpstreamBody.NotJson(e, response, request.Model);
        }
        if (completion.Choices == 0)
            throw UpstreamBody.Invalid("completion has no choices", request.Model);
        return completion;
    }

    /// <summary>
    /// A streaming completion: chunks as they arrive. Retries apply until the 200 headers; after that a silence longer
    /// than the timeout, an error chunk, bad JSON or an end without <c>[DONE]</c> throws <see cref="OpenRouterException"/>.
    /// </summary>
    public async IAsyncEnumerable<UpstreamChunk> StreamAsync(ChatCompletionRequest request, [EnumeratorCancellation] CancellationToken ct = default)
    {
        request = request with { Stream = true };
        using var response = await SendAsync(ChatRequest(request), HttpCompletionOption.ResponseHeadersRead, request.Model, ct);
        await using var body = await UpstreamBody.ReadBodyAsync(response.Content.ReadAsStreamAsync(ct), request.Model, ct);
        // Two clocks on the injected time: silence (reset by any line, comments included) and the first token.
        using var firstToken = new CancellationTokenSource(_options.FirstTokenTimeout, _time);
        using var idle = new CancellationTokenSource(_options.Timeout, _time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, idle.Token, firstToken.Token);
        // Any bytes are a sign of life, keep-alive comments (": OPENROUTER PROCESSING") included, which the parser skips.
        var signsOfLife = new SignOfLifeStream(body, () => idle.CancelAfter(_options.Timeout));
        await using var events = SseParser.Create(signsOfLife, static (_, data) => data.SequenceEqual("[DONE]"u8) ? null : data.ToArray())
            .EnumerateAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        var waiting = true;
        while (await NextChunkAsync(events, idle, firstToken, request.Model, ct) is { } chunk)
        {
            if (waiting && chunk.HasContent)
            {
                waiting = false;
                firstToken.CancelAfter(System.Threading.Timeout.InfiniteTimeSpan);
            }
            yield return chunk;
        }
    }

    /// <summary>The next chunk; null at <c>[DONE]</c>.</summary>
    private async Task<UpstreamChunk?> NextChunkAsync(IAsyncEnumerator<SseItem<byte[]?>> events, CancellationTokenSource idle,
        CancellationTokenSource firstToken, string? model, CancellationToken ct)
    {
        idle.CancelAfter(_options.Timeout); // the silence counts from here: time the consumer took is not the upstream's
        try
        {
            if (!await events.MoveNextAsync())
                throw new OpenRouterException(ErrorClassifier.Of(UpstreamErrorKind.StreamError, "Stream ended before [DONE]", null, model));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && firstToken.IsCancellationRequested)
        {
            throw new OpenRouterException(ErrorClassifier.Of(UpstreamErrorKind.Timeout,
                $"OpenRouter kept the stream open but sent no token within {_options.FirstTokenTimeout.TotalSeconds:0.#} s", 408, model));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new OpenRouterException(ErrorClassifier.Of(UpstreamErrorKind.Timeout,
                $"No data from OpenRouter for {_options.Timeout.TotalSeconds:0.#} s while streaming", 408, model));
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new OpenRouterException(ErrorClassifier.Of(UpstreamErrorKind.Network, "Stream broken: " + e.Message, null, model), e);
        }
        if (events.Current.Data is not { } data)
            return null;

        UpstreamChunk chunk;
        try
        {
            chunk = UpstreamChunk.Read(data);
        }
        catch (JsonException e)
        {
            throw new OpenRouterException(ErrorClassifier.Of(UpstreamErrorKind.InvalidResponse, "Malformed stream chunk: " + e.Message, null, model), e);
        }
        if (chunk.Chunk.Error is { } error)
            throw new OpenRouterException(ErrorClassifier.FromStreamError(error, model));
        return chunk;
    }

    /// <summary>
    /// Serialized once, up front: a sized body (no chunked encoding), reused as is by each retry. A request that cannot
    /// be encoded fails here, before anything is sent, as the request's fault.
    /// </summary>
    private Func<HttpRequestMessage> ChatRequest(ChatCompletionRequest request)
    {
        byte[] body;
        try
        {
            body = JsonSerializer.SerializeToUtf8Bytes(request, RouterJsonContext.Default.ChatCompletionRequest);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or JsonException or NotSupportedException)
        {
            throw new UnsendableRequestException("The request cannot be encoded for the upstream: " + e.Message, e);
        }
        return () =>
        {
            var message = NewRequest(HttpMethod.Post, "chat/completions");
            message.Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
            return message;
        };
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string path) =>
        new(method, path) { Version = _version, VersionPolicy = _versionPolicy };

    /// <summary>Runs one call through the pipeline; answers a 2xx response or throws a classified error.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> newRequest, HttpCompletionOption completion, string? model, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _pipeline.ExecuteAsync(
                async token => await _http.SendAsync(newRequest(), completion, token),
                ct);
        }
        catch (TimeoutRejectedException e)
        {
            throw new OpenRouterException(ErrorClassifier.Of(UpstreamErrorKind.Timeout,
                $"OpenRouter did not answer within {_options.Timeout.TotalSeconds:0.#} s", 408, model), e);
        }
        catch (HttpRequestException e)
        {
            throw new OpenRouterException(ErrorClassifier.Of(UpstreamErrorKind.Network, "Cannot reach OpenRouter: " + e.Message, null, model), e);
        }
        catch (IOException e) when (!ct.IsCancellationRequested)
        {
            throw new OpenRouterException(ErrorClassifier.Of(UpstreamErrorKind.Network, "Connection to OpenRouter broke: " + e.Message, null, model), e);
        }

        if (response.IsSuccessStatusCode)
            return response;
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            var retryAfter = ErrorClassifier.RetryAfterOf(response, _time.GetUtcNow());
            throw new OpenRouterException(ErrorClassifier.FromStatus((int)response.StatusCode, ErrorClassifier.MessageOf(body), retryAfter, model));
        }
    }

    public void Dispose() => _http.Dispose();
}
