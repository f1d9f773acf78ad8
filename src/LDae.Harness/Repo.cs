namespace LDae.Harness;

/// <summary>Locations inside the repository checkout.</summary>
public static class Repo
{
    /// <summary>The folder holding LDae.sln, found by walking up from <paramref name="start"/> (default: the current directory, then the assembly's).</summary>
    public static string Root(string? start = null)
    {
        foreach (var origin in new[] { start, Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = origin is null ? null : new DirectoryInfo(origin); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "LDae.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("LDae.sln not found above the current directory: run from inside the LDae checkout");
    }

    public static string Experiments(string? root = null) => Path.Combine(root ?? Root(), "experiments");
    /// <summary>Environment variable naming another results folder (e.g. on a cluster's shared scratch filesystem).</summary>
    public const string ResultsVariable = "LDAE_RESULTS";

    /// <summary>The results tree: <c>$LDAE_RESULTS</c> when set, else <c>&lt;root&gt;/results</c>.</summary>
    public static string Results(string? root = null) =>
        Environment.GetEnvironmentVariable(ResultsVariable) is { Length: > 0 } custom ? Path.GetFullPath(custom) : Path.Combine(root ?? Root(), "results");

    /// <summary>Resolves a path from a config (relative paths are relative to the repository root).</summary>
    public static string ResolvePath(string path, string? root = null) => Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(root ?? Root(), path));
}
