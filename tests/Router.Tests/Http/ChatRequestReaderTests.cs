using Router.Contracts;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Router.Node.Http;

namespace Router.Tests.Http;

public class ChatRequestReaderTests
{
    private static DefaultHttpContext Request(byte[] body, long? declaredLength)
    {
        var http = new DefaultHttpContext();
        http.Request.Body = new MemoryStream(body);
        http.Request.ContentLength = declaredLength;
        return http;
    }

    [Fact]
    public void A_body_is_buffered_as_it_arrives_not_as_its_content_length_promises()
    {
        var body = Encoding.UTF8.GetBytes("""{"messages":[{"role":"user","content":"hi"}]}""");
        var http = Request(body, declaredLength: 4 * 1024 * 1024);
        Read(http); // warm up (JIT, JSON metadata) so only the read itself is measured below

        http = Request(body, declaredLength: 4 * 1024 * 1024);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var (request, error) = Read(http); // a memory stream completes synchronously: everything runs on this thread
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(error);
        Assert.NotNull(request);
        Assert.InRange(allocated, 0, 256 * 1024); // the declared 4 MB was not allocated
    }

    [Theory]
    [InlineData(@"\ud800", true)]
    [InlineData(@"\uDFFF", true)]
    [InlineData(@"a\ud83d", true)]
    [InlineData(@"\ud83d\u0041", true)]
    [InlineData(@"\ud83d\ude00", false)]
    [InlineData(@"\\ud800", false)] // an escaped backslash, then plain text
    [InlineData(@"\u00e9\n\""", false)]
    [InlineData("plain", false)]
    public void Lone_surrogate_escapes_are_found(string content, bool lone)
    {
        var json = Encoding.UTF8.GetBytes($$"""{"messages":[{"role":"user","content":"{{content}}"}]}""");
        Assert.Equal(lone, JsonEscapes.HasLoneSurrogate(json));
        var (_, error) = Read(Request(json, json.Length));
        Assert.Equal(lone, error is { StatusCode: 400 } && error.Message.Contains("surrogate"));
    }

    [Fact]
    public void A_body_kestrel_gives_up_on_is_a_client_error_not_an_exception()
    {
        var http = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        http.Request.Body = new ThrowingStream(new BadHttpRequestException("Reading the request body timed out due to data arriving too slowly", 408));
        var (_, error) = Read(http);
        Assert.Equal(408, error?.StatusCode);
        Assert.Equal("request_timeout", error?.Code);
    }

    private static (Router.Contracts.OpenRouter.ChatCompletionRequest?, OpenAiError?) Read(HttpContext http)
    {
        http.Features.Set<IHttpMaxRequestBodySizeFeature>(new MaxBodySize());
        return ChatRequestReader.ReadAsync(http.Request, 1000, CancellationToken.None).GetAwaiter().GetResult();
    }

    private sealed class MaxBodySize : IHttpMaxRequestBodySizeFeature
    {
        public bool IsReadOnly => false;
        public long? MaxRequestBodySize { get; set; } = 4 * 1024 * 1024;
    }

    private sealed class ThrowingStream(Exception error) : MemoryStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromException<int>(error);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromException<int>(error);
    }
}
