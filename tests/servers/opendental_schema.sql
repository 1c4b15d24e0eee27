-- The part of Open Dental's schema (release 24.3) that mail_account reads and writes, with the
-- column types of Open Dental's own CREATE/ALTER statements (OpenDentBusiness/Misc/ConvertDatabases*.cs)
-- and the keys; the real tables have many more columns. Every column NOT NULL without a default,
-- as Open Dental declares them, so a strict sql_mode refuses an INSERT that leaves one out.
CREATE TABLE preference (
  PrefNum bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  PrefName varchar(255) NOT NULL,
  ValueString text NOT NULL,
  Comments text,
  KEY PrefName (PrefName)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE emailaddress (
  EmailAddressNum bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  SMTPserver varchar(255) NOT NULL,
  EmailUsername varchar(255) NOT NULL,
  EmailPassword varchar(255) NOT NULL,
  ServerPort int NOT NULL,
  UseSSL tinyint NOT NULL,
  SenderAddress varchar(255) NOT NULL,
  Pop3ServerIncoming varchar(255) NOT NULL,
  ServerPortIncoming int NOT NULL,
  UserNum bigint NOT NULL,
  AccessToken varchar(2000) NOT NULL,
  RefreshToken text NOT NULL,
  DownloadInbox tinyint NOT NULL,
  QueryString varchar(1000) NOT NULL,
  AuthenticationType tinyint NOT NULL,
  KEY UserNum (UserNum)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE clinic (
  ClinicNum bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  Description varchar(255) NOT NULL,
  EmailAddressNum bigint NOT NULL,
  EmailAliasOverride varchar(255) NOT NULL,
  KEY EmailAddressNum (EmailAddressNum)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE signalod (
  SignalNum bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  DateViewing date NOT NULL,
  SigDateTime datetime NOT NULL,
  FKey bigint NOT NULL,
  FKeyType varchar(255) NOT NULL,
  IType tinyint NOT NULL,
  RemoteRole tinyint NOT NULL,
  MsgValue text NOT NULL,
  KEY IType (IType)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
