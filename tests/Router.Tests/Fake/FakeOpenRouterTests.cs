using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.Fake;

/// <summary>The fake speaks OpenRouter's wire format, checked as raw JSON over HTTP.</summary>
public class FakeOpenRouterTests
{
    [Fact]
    public async Task Lists_a_few_hundred_models_in_openrouters_shape()
    {
        await using var fake = await FakeOpenRouterServer.StartAsync();
        using var http = new HttpClient();
        using var doc = JsonDocument.Parse(await http.GetStringAsync(fake.BaseUrl + "/models"));
        var data = doc.RootElement.GetProperty("data").EnumerateArray().ToList();

        Assert.InRange(data.Count, 200, 1000);
        Assert.Equal(data.Count, data.Select(m => m.GetProperty("id").GetString()).Distinct().Count());
        Assert.Contains(data, m => m.GetProperty("id").GetString()!.EndsWith(":free", StringComparison.Ordinal));
        var first = data[0];
        foreach (var field in new[] { "id", "name", "created", "context_length", "pricing", "architecture", "top_provider", "supported_parameters" })
            Assert.True(first.TryGetProperty(field, out _), field);
        Assert.Equal(JsonValueKind.String, first.GetProperty("pricing").GetProperty("prompt").ValueKind);
        Assert.Equal(JsonValueKind.String, first.GetProperty("pricing").GetProperty("completion").ValueKind);
        Assert.Equal(JsonValueKind.Number, first.GetProperty("context_length").ValueKind);
        Assert.Contains(data, m => m.GetProperty("top_provider").TryGetProperty("max_completion_tokens", out var v) is false || v.ValueKind == JsonValueKind.Null);
        var free = data.First(m => m.GetProperty("id").GetString()!.EndsWith(":free", StringComparison.Ordinal));
        Assert.Equal("0", free.GetProperty("pricing").GetProperty("prompt").GetString());
    }

    [Fact]
    public async Task Catalog_size_is_configurable_and_deterministic()
    {
        var a = SyntheticCatalog.Generate(5000);
        var b = SyntheticCatalog.Generate(5000);
        Assert.Equal(5000, a.Count);
        Assert.Equal(5000, a.Select(m => m.Id).Distinct().Count());
        Assert.Equal(a.Select(m => m.Id), b.Select(m => m.Id));
    }

    [Fact]
    public async Task A_wrong_key_gets_openrouters_401_body()
    {
        await using var fake = await Fakes.StartAsync();
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", "wrong");
        var response = await http.PostAsJsonAsync(fake.BaseUrl + "/chat/completions", new { model = "test/alpha", messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("{\"error\":{\"code\":401,\"message\":\"User not found.\"}}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Streams_with_processing_comments_usage_and_done()
    {
        await using var fake = await Fakes.StartAsync();
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", fake.ApiKey);
        var response = await http.PostAsJsonAsync(fake.BaseUrl + "/chat/completions",
            new { model = "test/alpha", stream = true, messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith(": OPENROUTER PROCESSING\n\n", body);
        Assert.EndsWith("data: [DONE]\n\n", body);
        Assert.Contains("\"usage\":{\"prompt_tokens\"", body);
        Assert.Contains("\"object\":\"chat.completion.chunk\"", body);
    }

    [Fact]
    public async Task Behaviours_can_be_scripted_over_http()
    {
        await using var fake = await Fakes.StartAsync();
        using var http = new HttpClient();
        var put = await http.PutAsJsonAsync(fake.RootUrl + "/_fake/behaviors/test/beta", new { statusCode = 503, retryAfterSeconds = 4 });
        Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);

        http.DefaultRequestHeaders.Authorization = new("Bearer", fake.ApiKey);
        var response = await http.PostAsJsonAsync(fake.BaseUrl + "/chat/completions", new { model = "test/beta", messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(4), response.Headers.RetryAfter!.Delta);

        var calls = await http.GetFromJsonAsync<JsonElement>(fake.RootUrl + "/_fake/calls");
        Assert.Equal(1, calls.GetProperty("by_model").GetProperty("test/beta").GetInt32());
    }

    [Fact]
    public async Task Status_probability_fails_about_that_share_of_calls()
    {
        await using var fake = await Fakes.StartAsync(("test/alpha", new FakeBehavior { StatusCode = 500, StatusProbability = 0.3 }));
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", fake.ApiKey);
        var failures = 0;
        for (var i = 0; i < 200; i++)
        {
            var r = await http.PostAsJsonAsync(fake.BaseUrl + "/chat/completions", new { model = "test/alpha", messages = new[] { new { role = "user", content = "hi" } } });
            if (r.StatusCode == HttpStatusCode.InternalServerError) failures++;
        }
        Assert.InRange(failures, 30, 90); // 60 expected; bounds are > 4 standard deviations wide
    }

    [Fact]
    public async Task Models_endpoint_failure_can_be_scripted()
    {
        await using var fake = await Fakes.StartAsync();
        fake.Script.ModelsStatusCode = 502;
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.BadGateway, (await http.GetAsync(fake.BaseUrl + "/models")).StatusCode);
    }
}
