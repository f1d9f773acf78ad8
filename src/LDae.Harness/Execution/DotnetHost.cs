namespace LDae.Harness.Execution;

/// <summary>The <c>dotnet</c> executable that runs ldae.dll, for local processes and for cluster job scripts alike.</summary>
public static class DotnetHost
{
    /// <summary>
    /// DOTNET_HOST_PATH (set by the .NET SDK for the processes it starts), else the running process when it is
    /// dotnet itself (the build, a test host), else the first <c>dotnet</c> on PATH.
    /// </summary>
    public static string Path
    {
        get
        {
            if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
            if (Environment.ProcessPath is { } self && System.IO.Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = System.IO.Path.Combine(dir, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
                if (File.Exists(candidate)) return candidate;
            }
            return "dotnet";
        }
    }
}
