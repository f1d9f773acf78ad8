using System.Diagnostics;
using System.Runtime.InteropServices;

namespace LDae.Harness.Execution;

/// <summary>
/// SIGINT and SIGTERM for the build process. build.sh execs the build, so a signal sent to the build.sh PID (or
/// Ctrl-C) lands here: instead of dying and leaving its children running as orphans that go on writing results,
/// the build forwards the signal to the child processes it started (<see cref="ChildProcess"/>), waits for them,
/// and then stops (<see cref="BuildDriver"/>). A second signal forwards SIGKILL. SIGKILL to the build itself
/// cannot be caught: for that case each child is started with a parent-death signal (see ChildProcess).
/// </summary>
public sealed class Interrupt : IDisposable
{
    readonly List<PosixSignalRegistration> registrations = [];
    readonly HashSet<Process> children = [];
    readonly ManualResetEventSlim raised = new();
    int count;

    /// <summary>The first signal received; null while none has come.</summary>
    public PosixSignal? Signal { get; private set; }
    public bool Requested => Signal is not null;

    /// <summary>The exit code of a build stopped by the signal (128 + its number, as a shell reports it).</summary>
    public int ExitCode => 128 + Number(Signal ?? PosixSignal.SIGTERM);

    /// <summary>Set when a signal arrives; a wait on it is a sleep that ends early on a signal.</summary>
    public WaitHandle Raised => raised.WaitHandle;

    /// <summary>An interrupt that only a call to <see cref="Raise"/> triggers (tests, library use).</summary>
    public Interrupt() { }

    /// <summary>Takes over SIGINT and SIGTERM for this process (the runtime's default would end it at once).</summary>
    public static Interrupt Install()
    {
        var interrupt = new Interrupt();
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
            interrupt.registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                interrupt.Raise(context.Signal);
            }));
        return interrupt;
    }

    /// <summary>Records a signal and forwards it to the running children (SIGKILL from the second signal on).</summary>
    public void Raise(PosixSignal signal)
    {
        lock (children)
        {
            Signal ??= signal;
            count++;
            foreach (var child in children) Send(child, count == 1 ? signal : Kill);
        }
        raised.Set();
    }

    /// <summary>Forwards signals to <paramref name="child"/> until <see cref="Release"/>; one that came before is forwarded now.</summary>
    public void Track(Process child)
    {
        lock (children)
        {
            children.Add(child);
            if (Signal is { } s) Send(child, count == 1 ? s : Kill);
        }
    }

    public void Release(Process child)
    {
        lock (children) children.Remove(child);
    }

    public void Dispose()
    {
        foreach (var r in registrations) r.Dispose();
        raised.Dispose();
    }

    const PosixSignal Kill = (PosixSignal)9;

    static void Send(Process child, PosixSignal signal)
    {
        try
        {
            if (!child.HasExited) _ = kill(child.Id, Number(signal));
        }
        catch (InvalidOperationException) { } // exited meanwhile
    }

    /// <summary>The signal's number on Linux and macOS (PosixSignal's named values are not the numbers).</summary>
    public static int Number(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGHUP => 1,
        PosixSignal.SIGINT => 2,
        PosixSignal.SIGQUIT => 3,
        PosixSignal.SIGTERM => 15,
        _ => (int)signal,
    };

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);
}
