namespace LDae.Harness.Results;

/// <summary>
/// An exclusive lock on a row (or artifact), so two builds of the same row never write the same files.
/// An OS file lock (.NET maps FileShare.None to flock on Unix): it is released when the process dies, so a
/// crashed run never leaves a stale lock behind.
/// </summary>
public sealed class RunLock : IDisposable
{
    readonly FileStream stream;

    RunLock(FileStream stream) => this.stream = stream;

    /// <summary>
    /// Takes the lock, waiting up to <paramref name="wait"/> while another live process holds it (announced once on
    /// <paramref name="log"/>). Any other reason the lock file cannot be opened — a read-only folder, a file where a
    /// folder should be, no permission — is an <see cref="InputException"/> at once: waiting would not change it.
    /// </summary>
    public static RunLock Acquire(string path, TimeSpan wait, TextWriter? log = null)
    {
        var deadline = DateTime.UtcNow + wait;
        bool announced = false;
        while (true)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                var fs = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                fs.SetLength(0);
                fs.Write(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                fs.Flush();
                return new RunLock(fs);
            }
            catch (IOException e) when (IsHeldByAnotherProcess(e))
            {
                if (DateTime.UtcNow >= deadline)
                    throw new IOException($"another process holds {path} (the same target is running elsewhere); gave up after {wait.TotalSeconds:0} s", e);
                if (!announced) log?.WriteLine($"waiting: another process is running this target (lock {path})");
                announced = true;
                Thread.Sleep(500);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InputException($"cannot take the lock {path}: {e.Message}", e);
            }
        }
    }

    /// <summary>
    /// The lock is held by another process: .NET reports flock's EWOULDBLOCK (errno 11 on Linux, 35 on macOS) and
    /// Windows' sharing and lock violations as a plain <see cref="IOException"/> with that code as its HResult.
    /// </summary>
    static bool IsHeldByAnotherProcess(IOException e) =>
        e.GetType() == typeof(IOException) && e.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);

    public void Dispose() => stream.Dispose();
}
