using DotNetEnv;
using DotNetEnv.Configuration;

namespace Router.Node.Configuration;

/// <summary>
/// Builds Router's configuration from, in order (later wins): environment variables, <c>.env</c>, <c>secrets.env</c>,
/// <c>appsettings.json</c>, the command line (<c>--OPENROUTER_TIMEOUT=30</c>, <c>--urls http://...</c>).
/// </summary>
public static class RouterConfiguration
{
    public static IConfigurationRoot Build(string[] args, string directory, IEnumerable<KeyValuePair<string, string?>>? environment = null)
    {
        var builder = new ConfigurationBuilder();
        if (environment is null)
            builder.AddEnvironmentVariables();
        else
            builder.AddInMemoryCollection(environment);
        foreach (var file in new[] { ".env", "secrets.env" })
        {
            var path = Path.Combine(directory, file);
            if (File.Exists(path))
                builder.AddDotNetEnv(path, LoadOptions.NoEnvVars());
        }
        builder.AddJsonFile(Path.Combine(directory, "appsettings.json"), optional: true);
        builder.AddCommandLine(args);
        return builder.Build();
    }
}
