using System.Runtime.InteropServices;

namespace LDae.Harness.Results;

/// <summary>Replaces a folder by another in one step, so that a reader sees the old folder or the new one, never neither.</summary>
static class DirectorySwap
{
    const int AtFdCwd = -100;
    const uint RenameExchange = 2;

    /// <summary>
    /// Puts <paramref name="replacement"/> at <paramref name="target"/>; the previous <paramref name="target"/> ends up at
    /// <paramref name="retired"/> (deleted by the caller). On Linux both folders trade places atomically
    /// (<c>renameat2(RENAME_EXCHANGE)</c>); elsewhere, or on a file system without it, the target is moved aside and the
    /// replacement moved in, two renames a moment apart.
    /// </summary>
    public static void Replace(string target, string replacement, string retired)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(replacement, target);
            return;
        }
        if (OperatingSystem.IsLinux() && Exchange(replacement, target))
        {
            Directory.Move(replacement, retired); // now the old result
            return;
        }
        Directory.Move(target, retired);
        Directory.Move(replacement, target);
    }

    static bool Exchange(string a, string b)
    {
        try { return renameat2(AtFdCwd, a, AtFdCwd, b, RenameExchange) == 0; }
        catch (EntryPointNotFoundException) { return false; } // a C library without renameat2
    }

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi)]
    static extern int renameat2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);
}
