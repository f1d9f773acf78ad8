// ldae: one row, one process (see LdaeCli for the commands and exit codes).
return LDae.Cli.LdaeCli.Run(args, Console.Out, Console.Error);
