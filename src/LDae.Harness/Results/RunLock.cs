namespace LDae.Harness.Results;

/// <summary>
/// An exclusive lock on a row (or artifact) folder, so two builds of the same row never write the same files.
/// An OS file lock (.NET maps FileShare.None to flock on Unix): it is released when the process dies, so a
/// crashed run never leaves a stale lock behind.
/// </summary>
public sealed class RunLock : IDisposable
{
    readonly FileStream _stream;

    RunLock(FileStream stream) => _stream = stream;

    /// <summary>Takes the lock, waiting up to <paramref name="wait"/> (announced once on <paramref name="log"/>); throws when it stays taken.</summary>
    public static RunLock Acquire(string path, TimeSpan wait, TextWriter? log = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var deadline = DateTime.UtcNow + wait;
        bool announced = false;
        while (true)
        {
            try
            {
                var fs = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                fs.SetLength(0);
                var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
                fs.Write(pid);
                fs.Flush();
                return new RunLock(fs);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                if (!announced) log?.WriteLine($"waiting: another process is running this target (lock {path})");
                announced = true;
                Thread.Sleep(500);
            }
            catch (IOException e)
            {
                throw new IOException($"another process holds {path} (the same target is running elsewhere); gave up after {wait.TotalSeconds:0} s", e);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
