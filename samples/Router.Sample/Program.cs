using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Router.Client.Chat;
using Router.Client.Hosting;
using Router.Contracts.Messages;

// Joins the Router cluster at ROUTER_SEED_NODES (default: a node on this machine, akka.tcp://router@127.0.0.1:4053).
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddRouterNode(builder.Configuration);
builder.Services.AddRouterChatClient().UseFunctionInvocation();
using var app = builder.Build();
await app.StartAsync();

var weather = AIFunctionFactory.Create((string city) =>
{
    Console.WriteLine($"[tool] get_weather({city})");
    return $"Sunny, 21 C in {city}";
}, "get_weather", "The current weather of a city");

var question = builder.Configuration["question"] ?? "What is the weather in Paris?";
Console.WriteLine($"> {question}");
var chat = app.Services.GetRequiredService<IChatClient>();
RouterInfo? route = null;
await foreach (var update in chat.GetStreamingResponseAsync(question, new ChatOptions { Tools = [weather] }))
{
    Console.Write(update.Text);
    if (update.AdditionalProperties?.GetValueOrDefault(ChatResponseMapping.RouterProperty) is RouterInfo info) route = info;
}
Console.WriteLine();
if (route is not null)
    Console.WriteLine($"[router] answered by {route.Model} after {route.Attempts.Count} attempt(s){(route.CostUsd is { } usd ? $", {usd:0.######} USD" : "")}");
await app.StopAsync();
