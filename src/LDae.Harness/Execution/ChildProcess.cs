using System.Diagnostics;

namespace LDae.Harness.Execution;

/// <summary>
/// Starts the processes of a build (ldae rows and tokenizers, dotnet build/test, the report) so that none outlives
/// the build: the child shares the build's terminal, receives the signals the build receives (<see cref="Interrupt"/>),
/// and is started under <c>setpriv --pdeathsig TERM</c> where util-linux has it, so that even a SIGKILLed build
/// (which can forward nothing) takes its children down with it.
/// </summary>
public static class ChildProcess
{
    const string SetPriv = "/usr/bin/setpriv";

    /// <summary>Runs <paramref name="file"/> to its end with the build's stdin/stdout/stderr; returns its exit code.</summary>
    public static int Run(string file, IEnumerable<string> arguments, string workingDirectory, Interrupt interrupt,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = StartInfo(file, arguments, workingDirectory, environment);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        interrupt.Track(process);
        try
        {
            process.WaitForExit();
            return process.ExitCode;
        }
        finally
        {
            interrupt.Release(process);
        }
    }

    /// <summary>The start info, through setpriv when this machine has it (Linux).</summary>
    public static ProcessStartInfo StartInfo(string file, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo { WorkingDirectory = workingDirectory, UseShellExecute = false };
        if (File.Exists(SetPriv))
        {
            start.FileName = SetPriv;
            foreach (var a in new[] { "--pdeathsig", "TERM", "--", file }) start.ArgumentList.Add(a);
        }
        else start.FileName = file;
        foreach (var a in arguments) start.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        return start;
    }
}
