namespace LDae.Harness.Execution;

/// <summary>
/// Whether a target's run lock (<see cref="Results.RunLock"/>: an exclusive OS file lock, released when its process
/// dies) is held right now, i.e. an ldae process is working on the target — on this machine, or on another node
/// where the results tree is on a filesystem whose locks are shared (NFSv4, Lustre, GPFS).
/// </summary>
public static class RunLockProbe
{
    public static bool IsHeld(string lockFile)
    {
        if (!File.Exists(lockFile)) return false;
        try
        {
            using var probe = new FileStream(lockFile, FileMode.Open, FileAccess.Read, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return File.Exists(lockFile);
        }
        catch (UnauthorizedAccessException)
        {
            return false; // not ours to run either way; ldae will say so
        }
    }
}
