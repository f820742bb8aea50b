using System.Text.Json;
using Router.Actors.Routing;
using Router.Contracts.OpenRouter;
using Router.FakeOpenRouter;

namespace Router.Tests.Routing;

public class RouteConstraintsTests
{
    private static ChatCompletionRequest Request(string text = "hi", int? maxTokens = null, RouterOptions? options = null) =>
        new() { Messages = [ChatMessage.Text("user", text)], MaxTokens = maxTokens, RouterOptions = options };

    private static ModelInfo Priced(string prompt, string completion, int? context = 100_000) => new()
    {
        Id = "m/x", ContextLength = context, Pricing = new ModelPricing { Prompt = prompt, Completion = completion },
    };

    [Fact]
    public void The_prompt_is_estimated_at_four_characters_per_token_plus_three_per_message()
    {
        Assert.Equal(3 + 3, RouteConstraints.EstimatePromptTokens([ChatMessage.Text("user", "hello world!")]));
        Assert.Equal(3 + 1 + 3, RouteConstraints.EstimatePromptTokens([ChatMessage.Text("system", ""), ChatMessage.Text("user", "a")]));
    }

    [Fact]
    public void A_model_whose_context_cannot_hold_the_prompt_and_max_tokens_is_refused()
    {
        var constraints = RouteConstraints.For(Request(new string('x', 400), maxTokens: 900)); // 100 + 3 + 900
        Assert.Equal(1003, constraints.RequiredContext);
        Assert.Equal(RouteConstraints.ContextTooSmall, constraints.Refusal(SyntheticCatalog.Model("m/small", 1000)));
        Assert.Null(constraints.Refusal(SyntheticCatalog.Model("m/fits", 1003)));
        Assert.Null(constraints.Refusal(Priced("0.000001", "0.000001", context: null))); // unknown: not refused on a guess
    }

    [Fact]
    public void Free_only_takes_models_free_for_prompt_and_completion()
    {
        var constraints = RouteConstraints.For(Request(options: new RouterOptions { FreeOnly = true }));
        Assert.Null(constraints.Refusal(SyntheticCatalog.Model("m/x:free", 8192, promptPrice: 0)));
        Assert.Equal(RouteConstraints.NotFree, constraints.Refusal(SyntheticCatalog.Model("m/x", 8192)));
        Assert.Equal(RouteConstraints.NotFree, constraints.Refusal(Priced("0", "0.000002")));
        Assert.Equal(RouteConstraints.NotFree, constraints.Refusal(new ModelInfo { Id = "m/unpriced" }));
    }

    [Theory]
    [InlineData(3.0, null, "0.000003", "0.000015", null)] // equal to the limit: accepted
    [InlineData(2.0, null, "0.000003", "0.000015", RouteConstraints.OverMaxPrice)]
    [InlineData(null, 10.0, "0.000003", "0.000015", RouteConstraints.OverMaxPrice)]
    [InlineData(null, 15.0, "0.000003", "0.000015", null)]
    [InlineData(5.0, 5.0, "-1", "-1", RouteConstraints.PriceUnknown)] // OpenRouter's variable price
    [InlineData(5.0, null, "0.000001", "not a price", null)] // only the prompt is limited
    public void Max_price_is_per_million_tokens_as_openrouter_lists_it(double? prompt, double? completion, string promptPrice, string completionPrice, string? refusal)
    {
        var constraints = RouteConstraints.For(Request(options: new RouterOptions { MaxPrice = new PriceLimit { Prompt = prompt, Completion = completion } }));
        Assert.Equal(refusal, constraints.Refusal(Priced(promptPrice, completionPrice)));
    }

    [Fact]
    public void The_router_object_is_read_from_the_request_and_never_written_upstream_by_mistake()
    {
        var request = JsonSerializer.Deserialize("""{"messages":[{"role":"user","content":"hi"}],"router":{"free_only":true,"max_price":{"prompt":1.5}},"provider":{"sort":"price"}}""",
            Router.Contracts.RouterJsonContext.Default.ChatCompletionRequest)!;
        Assert.True(request.RouterOptions!.FreeOnly);
        Assert.Equal(1.5, request.RouterOptions.MaxPrice!.Prompt);
        Assert.True(request.Extra!.ContainsKey("provider")); // OpenRouter's own object passes through
        var upstream = JsonSerializer.Serialize(request with { RouterOptions = null }, Router.Contracts.RouterJsonContext.Default.ChatCompletionRequest);
        Assert.DoesNotContain("\"router\"", upstream);
        Assert.Contains("\"provider\"", upstream);
    }
}
