using Router.Actors.OpenRouter;
using Router.FakeOpenRouter;
using Router.Node.Configuration;

RouterSettings settings;
try
{
    settings = RouterSettings.Load(RouterConfiguration.Build(args, Directory.GetCurrentDirectory()));
}
catch (RouterConfigurationException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseUrls([.. settings.Urls]);
var app = builder.Build();
var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Router");

await using var fake = settings.DevMode ? await FakeOpenRouterServer.StartAsync() : null;
var clientOptions = settings.OpenRouter;
if (fake is not null)
{
    log.LogWarning("DEV_MODE ({Reason}): routing to the built-in fake OpenRouter at {Url}; no real model is called",
        settings.DevModeReason, fake.BaseUrl);
    clientOptions = clientOptions with { BaseUrl = fake.BaseUrl, ApiKey = fake.ApiKey };
}
using var client = new OpenRouterClient(clientOptions, app.Services.GetRequiredService<ILogger<OpenRouterClient>>());

app.MapGet("/health", () => Results.Json(new { status = "ok", dev_mode = settings.DevMode }));
await app.RunAsync();
return 0;
