using System.Diagnostics;
using System.Runtime.InteropServices;
using LDae.Harness.Execution;
using LDae.Harness.Results;
using Xunit;

namespace LDae.Tests.Execution;

/// <summary>The build's children get its signals and do not outlive it; a held run lock is seen from outside.</summary>
public class ChildProcessTests
{
    [Fact]
    public async Task A_signal_to_the_build_is_forwarded_to_the_running_child_which_ends_and_is_waited_for()
    {
        using var interrupt = new Interrupt();
        var watch = Stopwatch.StartNew();
        var raise = Task.Run(async () =>
        {
            await Task.Delay(500);
            interrupt.Raise(PosixSignal.SIGTERM);
        });
        var code = ChildProcess.Run("sleep", ["30"], "/", interrupt);
        await raise;
        Assert.Equal(128 + 15, code); // ended by SIGTERM
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"the child ran {watch.Elapsed}");
        Assert.Equal(143, interrupt.ExitCode);
    }

    [Fact]
    public async Task A_second_signal_kills_a_child_that_ignores_the_first()
    {
        using var interrupt = new Interrupt();
        var raise = Task.Run(async () =>
        {
            await Task.Delay(700);
            interrupt.Raise(PosixSignal.SIGINT);
            await Task.Delay(700);
            interrupt.Raise(PosixSignal.SIGINT);
        });
        var code = ChildProcess.Run("bash", ["-c", "trap '' INT TERM; while true; do sleep 0.1; done"], "/", interrupt);
        await raise;
        Assert.Equal(128 + 9, code); // SIGKILL
        Assert.Equal(130, interrupt.ExitCode);
    }

    [Fact]
    public void Children_start_with_a_parent_death_signal_so_a_killed_build_takes_them_down()
    {
        if (!File.Exists("/usr/bin/setpriv")) return; // not Linux with util-linux: nothing to check
        var start = ChildProcess.StartInfo("bash", ["-c", "read -r name < /proc/$$/comm; echo \"$name\""], "/");
        Assert.Equal("/usr/bin/setpriv", start.FileName);
        Assert.Equal(["--pdeathsig", "TERM", "--", "bash"], start.ArgumentList.Take(4));
        start.RedirectStandardOutput = true;
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        Assert.Equal("bash", output.Trim()); // setpriv set the signal and exec'd the command in its own process
    }

    [Fact]
    public void A_held_run_lock_is_seen_and_a_released_one_is_not()
    {
        using var dir = new TempTree("lock");
        var path = Path.Combine(dir, ".lock");
        Assert.False(RunLockProbe.IsHeld(path));
        using (RunLock.Acquire(path, TimeSpan.Zero))
            Assert.True(RunLockProbe.IsHeld(path));
        Assert.False(RunLockProbe.IsHeld(path));
        using (RunLock.Acquire(path, TimeSpan.Zero)) { } // the probe did not leave it taken
    }
}
