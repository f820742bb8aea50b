using System.Net;
using System.Text.Json;
using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.Contracts.OpenRouter;

namespace Router.Tests.OpenRouter;

public class ErrorClassifierTests
{
    [Theory]
    [InlineData(400, "Invalid request", UpstreamErrorKind.BadRequest, false)]
    [InlineData(400, "foo/bar is not a valid model ID", UpstreamErrorKind.ModelUnavailable, true)]
    [InlineData(400, "This endpoint's maximum context length is 8192 tokens", UpstreamErrorKind.ContextLengthExceeded, true)]
    [InlineData(401, "User not found.", UpstreamErrorKind.Unauthorized, false)]
    [InlineData(402, "Insufficient credits", UpstreamErrorKind.PaymentRequired, false)]
    [InlineData(403, "flagged", UpstreamErrorKind.Forbidden, false)]
    [InlineData(404, "No endpoints found", UpstreamErrorKind.ModelUnavailable, true)]
    [InlineData(408, "timeout", UpstreamErrorKind.Timeout, true)]
    [InlineData(422, "bad", UpstreamErrorKind.BadRequest, false)]
    [InlineData(429, "slow down", UpstreamErrorKind.RateLimited, true)]
    [InlineData(500, "boom", UpstreamErrorKind.ServerError, true)]
    [InlineData(502, "provider", UpstreamErrorKind.ServerError, true)]
    [InlineData(503, "none", UpstreamErrorKind.ServerError, true)]
    public void Statuses_map_to_kinds_and_fallback(int status, string message, UpstreamErrorKind kind, bool fallback)
    {
        var error = ErrorClassifier.FromStatus(status, message, null, "m");
        Assert.Equal(kind, error.Kind);
        Assert.Equal(fallback, error.ShouldFallback);
        Assert.Equal(status, error.StatusCode);
        Assert.Equal("m", error.Model);
    }

    [Fact]
    public void Only_rate_limits_keep_a_retry_after()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), ErrorClassifier.FromStatus(429, "x", TimeSpan.FromSeconds(5)).RetryAfter);
        Assert.True(ErrorClassifier.FromStatus(429, "x").RateLimited);
        Assert.Null(ErrorClassifier.FromStatus(500, "x", TimeSpan.FromSeconds(5)).RetryAfter);
    }

    [Fact]
    public void Retry_after_is_read_as_seconds_as_a_date_or_from_the_rate_limit_reset()
    {
        var now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        using var seconds = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        seconds.Headers.TryAddWithoutValidation("Retry-After", "7");
        Assert.Equal(TimeSpan.FromSeconds(7), ErrorClassifier.RetryAfterOf(seconds, now));

        using var date = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        date.Headers.TryAddWithoutValidation("Retry-After", now.AddSeconds(30).ToString("R"));
        Assert.Equal(TimeSpan.FromSeconds(30), ErrorClassifier.RetryAfterOf(date, now));

        using var reset = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        reset.Headers.TryAddWithoutValidation("X-RateLimit-Reset", now.AddSeconds(12).ToUnixTimeMilliseconds().ToString());
        Assert.Equal(TimeSpan.FromSeconds(12), ErrorClassifier.RetryAfterOf(reset, now));

        using var farFuture = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        farFuture.Headers.TryAddWithoutValidation("X-RateLimit-Reset", long.MaxValue.ToString());
        Assert.Null(ErrorClassifier.RetryAfterOf(farFuture, now)); // beyond any date: ignored, not an overflow

        using var none = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        Assert.Null(ErrorClassifier.RetryAfterOf(none, now));
    }

    [Fact]
    public void Stream_error_chunks_with_numeric_or_string_codes_are_stream_errors()
    {
        var numeric = ErrorClassifier.FromStreamError(new ErrorDetail { Code = JsonSerializer.SerializeToElement(502), Message = "upstream" }, "m");
        Assert.Equal(UpstreamErrorKind.StreamError, numeric.Kind);
        Assert.Equal(502, numeric.StatusCode);
        Assert.True(numeric.ShouldFallback);

        var text = ErrorClassifier.FromStreamError(new ErrorDetail { Code = JsonSerializer.SerializeToElement("server_error"), Message = "gone" }, "m");
        Assert.Equal(UpstreamErrorKind.StreamError, text.Kind);
        Assert.Equal("gone", text.Message);
    }

    [Theory]
    [InlineData("{\"error\":{\"code\":401,\"message\":\"User not found.\"}}", "User not found.")]
    [InlineData("<html>Bad Gateway</html>", "<html>Bad Gateway</html>")]
    [InlineData("", null)]
    public void Error_messages_come_from_the_body(string body, string? expected)
    {
        Assert.Equal(expected, ErrorClassifier.MessageOf(body));
    }

    [Fact]
    public void Exceptions_around_a_call_are_the_upstreams_only_when_they_come_from_it()
    {
        var upstream = new OpenRouterException(ErrorClassifier.FromStatus(503, "down", null, "a/b"));
        Assert.Equal((upstream.Error, true), ErrorClassifier.FromException(upstream, "a/b"));

        var broken = ErrorClassifier.FromException(new IOException("reset"), "a/b");
        Assert.Equal((UpstreamErrorKind.Network, true, true), (broken.Error.Kind, broken.Error.ShouldFallback, broken.FromUpstream));

        var unsendable = ErrorClassifier.FromException(new UnsendableRequestException("bad", new ArgumentException()), "a/b");
        Assert.Equal((UpstreamErrorKind.InvalidRequest, 400, false, false), (unsendable.Error.Kind, unsendable.Error.StatusCode, unsendable.Error.ShouldFallback, unsendable.FromUpstream));

        var bug = ErrorClassifier.FromException(new NullReferenceException("oops"), "a/b");
        Assert.Equal((UpstreamErrorKind.Internal, 500, false), (bug.Error.Kind, bug.Error.StatusCode, bug.FromUpstream));
    }
}
