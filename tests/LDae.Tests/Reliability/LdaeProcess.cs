using System.Diagnostics;
using System.Text;

namespace LDae.Tests.Reliability;

/// <summary>What one `ldae` process did.</summary>
public sealed record LdaeExit(int Code, string Out, string Error, TimeSpan Took)
{
    /// <summary>The lines on stderr (an input error must be exactly one).</summary>
    public IReadOnlyList<string> ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {Code} after {Took.TotalSeconds:0.0} s\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>
/// Runs the built <c>ldae</c> (src/LDae.Cli/bin/&lt;configuration&gt;/net10.0, or another output folder) as its own
/// process in a <see cref="ScratchCheckout"/>, as the build does: exit code, stdout and stderr as they are.
/// </summary>
public sealed class LdaeProcess : IDisposable
{
    readonly Process process;
    readonly StringBuilder stdout = new(), stderr = new();
    readonly Stopwatch clock = Stopwatch.StartNew();

    /// <summary>The CLI's build output for the configuration the tests were built with.</summary>
    public static string BuiltOutput
    {
        get
        {
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<configuration>/net10.0/
            var dir = Path.Combine(ScratchCheckout.RepoRoot, "src", "LDae.Cli", "bin", configuration, "net10.0");
            if (!File.Exists(Path.Combine(dir, "ldae.dll"))) throw new FileNotFoundException($"build the solution first: {dir}/ldae.dll is missing");
            return dir;
        }
    }

    public LdaeProcess(ScratchCheckout checkout, IEnumerable<string> args, string? output = null, IReadOnlyDictionary<string, string>? environment = null,
        string? wrapper = null)
    {
        var dll = Path.Combine(output ?? BuiltOutput, "ldae.dll");
        var start = wrapper is null ? new ProcessStartInfo("dotnet") : new ProcessStartInfo("sh");
        if (wrapper is null)
        {
            start.ArgumentList.Add(dll);
            foreach (var a in args) start.ArgumentList.Add(a);
        }
        else
        {
            // e.g. "unshare -m sh -c '…; exec \"$0\" \"$@\"'": the wrapper ends by exec-ing dotnet with the arguments.
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(wrapper);
            start.ArgumentList.Add("dotnet");
            start.ArgumentList.Add(dll);
            foreach (var a in args) start.ArgumentList.Add(a);
        }
        start.WorkingDirectory = checkout.Root;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.Environment["LDAE_DATA"] = ScratchCheckout.DataCache;
        // The scratch checkout's own results/, also when the tests run inside a build (which sets LDAE_RESULTS for its rows).
        start.Environment["LDAE_RESULTS"] = checkout.Results;
        start.Environment["NO_COLOR"] = "1";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
        process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static LdaeExit Run(ScratchCheckout checkout, params string[] args) => Run(checkout, args, output: null);

    public static LdaeExit Run(ScratchCheckout checkout, IEnumerable<string> args, string? output = null,
        IReadOnlyDictionary<string, string>? environment = null, string? wrapper = null, TimeSpan? timeout = null)
    {
        using var p = new LdaeProcess(checkout, args, output, environment, wrapper);
        return p.Wait(timeout ?? TimeSpan.FromMinutes(5));
    }

    public bool HasExited => process.HasExited;

    /// <summary>What it printed so far.</summary>
    public string Out { get { lock (stdout) return stdout.ToString(); } }

    /// <summary>SIGKILL: no cleanup of any kind, as a crash, the OOM killer or a lost machine would leave it.</summary>
    public void KillHard() => process.Kill(entireProcessTree: true);

    public LdaeExit Wait(TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout))
        {
            KillHard();
            process.WaitForExit();
            throw new TimeoutException($"ldae did not finish within {timeout}:\n{Out}\n{stderr}");
        }
        process.WaitForExit(); // drains the output
        lock (stderr) return new LdaeExit(process.ExitCode, Out, stderr.ToString(), clock.Elapsed);
    }

    public void Dispose()
    {
        if (!process.HasExited) { KillHard(); process.WaitForExit(); }
        process.Dispose();
    }
}
