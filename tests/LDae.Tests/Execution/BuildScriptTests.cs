using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using LDae.Harness;
using LDae.Harness.Results;
using Xunit;

namespace LDae.Tests.Execution;

/// <summary>
/// ./build.sh itself, as a user runs it: its output when there is nothing to do, and what a signal to its PID does
/// to the rows it runs. Each test builds into its own results tree (LDAE_RESULTS) with --exclusive (no rebuild of
/// the solution, which the test run already built).
/// </summary>
public class BuildScriptTests
{
    sealed class BuildScript : IDisposable
    {
        readonly StringBuilder output = new();
        public Process Process { get; }
        public string Results { get; }

        public BuildScript(string results, params string[] arguments) : this(results, null, arguments) { }

        /// <summary>build.sh started as <paramref name="configure"/> leaves it (another working directory, environment).</summary>
        public BuildScript(string results, Action<ProcessStartInfo>? configure, params string[] arguments)
        {
            Results = results;
            var start = new ProcessStartInfo("bash", [Path.Combine(Repo.Root(), "build.sh"), .. arguments])
            {
                WorkingDirectory = Repo.Root(), RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            start.Environment[Repo.ResultsVariable] = results;
            configure?.Invoke(start);
            start.Environment.Remove("NO_COLOR"); // build.sh must notice the pipe by itself
            Process = Process.Start(start)!;
            Process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            Process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }

        public string Output { get { lock (output) return output.ToString(); } }

        public int Wait(TimeSpan timeout)
        {
            if (!Process.WaitForExit(timeout)) throw new TimeoutException($"build.sh did not end within {timeout}:\n{Output}");
            Process.WaitForExit(); // drains the output
            return Process.ExitCode;
        }

        /// <summary>Kills whatever still carries this build's results tree in its environment (only on a failed test).</summary>
        public void Dispose()
        {
            foreach (var pid in Survivors(Results)) try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { }
            Process.Dispose();
        }
    }

    /// <summary>Processes whose environment holds LDAE_RESULTS=<paramref name="results"/>: the build and everything it started.</summary>
    static List<int> Survivors(string results)
    {
        var entry = Encoding.UTF8.GetBytes($"{Repo.ResultsVariable}={results}\0");
        var found = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                if (File.ReadAllBytes(Path.Combine(dir, "environ")).AsSpan().IndexOf(entry) >= 0) found.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }

    [LinuxFact("bash to run build.sh")]
    public void A_build_with_nothing_to_do_prints_a_line_per_target_and_the_summary_and_no_escape_codes_into_a_pipe()
    {
        using var results = new TempTree("noop");
        BuildTestFiles.WriteResult(results, "table3/pca-ddm", 71.0, BuildTestFiles.RealDataDigest);
        BuildTestFiles.WriteResult(results, "table3/predict-clean-data", 73.5, BuildTestFiles.RealDataDigest);
        using var build = new BuildScript(results, "--target=table3/predict-clean-data", "--profile=ci", "--exclusive");
        Assert.True(build.Wait(TimeSpan.FromMinutes(5)) == 0, build.Output);

        var output = build.Output;
        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain("════", output); // Cake's per-task banner
        Assert.DoesNotContain("Duration", output); // Cake's task table
        Assert.Contains("table3/predict-clean-data: up to date (config ", output);
        Assert.Contains("Rows (ci, local):", output);
        Assert.Matches(@"table3/predict-clean-data\s+up to date\s+[0-9.]+\s+73\.5\s+\+2\.5 \(paper ", output);
        Assert.True(File.Exists(Path.Combine(results, "ci", "summary.md")));
        Assert.True(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length <= 8, output);
    }

    [LinuxTheory("bash to run build.sh")]
    [InlineData("--profle=ci", "build.sh: --profle: not an option of ./build.sh (did you mean --profile?)")]
    [InlineData("--froce", "build.sh: --froce: not an option of ./build.sh (did you mean --force?)")]
    [InlineData("--target=table3/pca-dd", "build.sh: --target=table3/pca-dd: no such target; the closest: table3/pca-ddm")]
    public void What_the_build_does_not_understand_is_refused_in_one_line_with_exit_2(string argument, string line)
    {
        using var results = new TempTree("refuse");
        using var build = new BuildScript(results, argument, "--estimate");
        Assert.True(build.Wait(TimeSpan.FromMinutes(5)) == 2, build.Output);
        Assert.Contains(line, build.Output);
        Assert.Single(build.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("build.sh: ", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(results, "quick")), "nothing was done for the default profile");
    }

    [LinuxFact("bash to run build.sh")]
    public void Without_HOME_and_with_a_relative_results_folder_the_build_runs_where_the_caller_stands()
    {
        using var caller = new TempTree("caller");
        var results = Path.Combine(caller, "my-results");
        BuildTestFiles.WriteResult(results, "table3/pca-ddm", 71.0, BuildTestFiles.RealDataDigest);
        BuildTestFiles.WriteResult(results, "table3/predict-clean-data", 73.5, BuildTestFiles.RealDataDigest);
        using var build = new BuildScript(results, start =>
        {
            start.WorkingDirectory = caller;
            start.Environment[Repo.ResultsVariable] = "my-results"; // relative: the caller's folder, as for ldae
            start.Environment.Remove("HOME");
        }, "--target=table3/predict-clean-data", "--profile=ci", "--exclusive");
        Assert.True(build.Wait(TimeSpan.FromMinutes(5)) == 0, build.Output);
        Assert.Contains("table3/predict-clean-data: up to date (config ", build.Output);
        Assert.True(File.Exists(Path.Combine(results, "ci", "summary.md")));
    }

    [LinuxTheory("bash to run build.sh, POSIX signals and the parent-death signal")]
    [InlineData(15)] // SIGTERM: forwarded to the row, which stops; the build waits for it (SIGINT takes the same path: ChildProcessTests)
    [InlineData(9)]  // SIGKILL: the build cannot forward it; the row gets its parent-death signal
    public void A_signal_to_build_sh_leaves_no_row_running_and_no_result(int signal)
    {
        const string row = "table2/pixels"; // trains, no tokenizer artifact to build first
        using var results = new TempTree("signal");
        using var build = new BuildScript(results, $"--target={row}", "--profile=ci", "--exclusive");
        var paths = new ResultStore(results).Row("ci", row);
        var staging = new RowPaths(paths.Staging);
        var watch = Stopwatch.StartNew();
        while (!File.Exists(staging.Log)) // the row is training (in its staging folder until it publishes)
        {
            Assert.False(build.Process.HasExited, $"build.sh ended before the row trained:\n{build.Output}");
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(5), $"the row did not start training:\n{build.Output}");
            Thread.Sleep(200);
        }
        Assert.Equal(0, kill(build.Process.Id, signal));
        var code = build.Wait(TimeSpan.FromMinutes(1));
        Assert.Equal(128 + signal, code);

        watch.Restart();
        while (Survivors(results).Count > 0 && watch.Elapsed < TimeSpan.FromSeconds(20)) Thread.Sleep(200);
        Assert.True(Survivors(results).Count == 0, $"still running after the build ended: {string.Join(", ", Survivors(results))}\n{build.Output}");
        Assert.False(File.Exists(paths.Metrics));
        if (signal != 9) Assert.Contains($"{row}  cancelled", build.Output); // the summary, printed on the way out
    }

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);
}
