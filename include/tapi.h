/*
 * tapi.h - the Telephony API (TAPI 2.2 line and call-center functions) for tapix.
 *
 * Source-compatible with Microsoft's tapi.h for everything tapix implements:
 * a program written against the documented API compiles unchanged and links
 * with -ltapi32.  Layouts are Microsoft's x64 layouts byte for byte: every
 * structure is declared under #pragma pack(1), DWORD is 32 bits (never
 * `unsigned long`, which is 64 bits on LP64 Linux) and all TAPI handles are
 * 32-bit values.  tests/unit/test_layout.c pins every offset.
 *
 * Strings: the A functions take UTF-8 (the Linux "ANSI"), the W functions
 * UTF-16LE in WCHAR (uint16_t).  Unsuffixed names map to A, or to W when
 * UNICODE is defined, as on Windows.
 *
 * As in Microsoft's header, members and constants that TAPI 3.x added appear
 * only when TAPI_CURRENT_VERSION is 0x00030000 or higher before this header
 * is included; the default is 0x00020002.
 *
 * Constant values restate the public-domain mingw-w64 header and Microsoft's
 * published documentation.
 */
#ifndef TAPI_H
#define TAPI_H

#ifndef TAPI_CURRENT_VERSION
#define TAPI_CURRENT_VERSION 0x00020002
#endif

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * Base types.  Each is guarded by the macro Windows-compatibility headers use
 * for it, so a program that brings its own definitions first keeps them (C11
 * also allows repeating an identical typedef).  A program that includes a
 * real windows.h (_WINDEF_) keeps all of its own.
 * ------------------------------------------------------------------------- */
#ifndef _WINDEF_
#ifndef _TAPIX_BASETYPES_DEFINED
#define _TAPIX_BASETYPES_DEFINED
#ifndef _DWORD_DEFINED
#define _DWORD_DEFINED
typedef uint32_t DWORD;
#endif
#ifndef _LONG_DEFINED
#define _LONG_DEFINED
typedef int32_t LONG;
#endif
#ifndef _ULONG_DEFINED
#define _ULONG_DEFINED
typedef uint32_t ULONG;
#endif
#ifndef _BYTE_DEFINED
#define _BYTE_DEFINED
typedef uint8_t BYTE;
#endif
#ifndef _WORD_DEFINED
#define _WORD_DEFINED
typedef uint16_t WORD;
#endif
#ifndef _BOOL_DEFINED
#define _BOOL_DEFINED
typedef int32_t BOOL;
#endif
#ifndef _WCHAR_DEFINED
#define _WCHAR_DEFINED
typedef uint16_t WCHAR;
#endif
#ifndef _LONGLONG_DEFINED
#define _LONGLONG_DEFINED
typedef int64_t LONGLONG;
#endif
#ifndef _DWORD_PTR_DEFINED
#define _DWORD_PTR_DEFINED
typedef uintptr_t DWORD_PTR;
#endif
#ifndef _HANDLE_DEFINED
#define _HANDLE_DEFINED
typedef void *HANDLE;
#endif
#ifndef _HINSTANCE_DEFINED
#define _HINSTANCE_DEFINED
typedef void *HINSTANCE;
#endif
#ifndef _LPVOID_DEFINED
#define _LPVOID_DEFINED
typedef void *LPVOID;
#endif
#ifndef _LPDWORD_DEFINED
#define _LPDWORD_DEFINED
typedef DWORD *LPDWORD;
#endif
#ifndef _LPSTR_DEFINED
#define _LPSTR_DEFINED
typedef char *LPSTR;
typedef const char *LPCSTR;
#endif
#ifndef _LPWSTR_DEFINED
#define _LPWSTR_DEFINED
typedef WCHAR *LPWSTR;
typedef const WCHAR *LPCWSTR;
#endif
#endif /* _TAPIX_BASETYPES_DEFINED */
#endif /* _WINDEF_ */

#ifndef GUID_DEFINED
#define GUID_DEFINED
/* 16 bytes, 4-byte aligned, as Windows lays it out. */
typedef struct _GUID {
    uint32_t Data1;
    uint16_t Data2;
    uint16_t Data3;
    uint8_t Data4[8];
} GUID;
#endif
#ifndef __LPGUID_DEFINED__
#define __LPGUID_DEFINED__
typedef GUID *LPGUID;
#endif

#ifndef _DATE_DEFINED
#define _DATE_DEFINED
/* OLE automation date: days since 1899-12-30, fraction = time of day. */
typedef double DATE;
#endif

#ifndef _tagCY_DEFINED
#define _tagCY_DEFINED
#define _CY_DEFINED
/* OLE CURRENCY: a 64-bit integer scaled by 10 000. */
typedef union tagCY {
    struct {
        ULONG Lo;
        LONG Hi;
    };
    LONGLONG int64;
} CY, CURRENCY;
#endif

#ifndef WINAPI
#define WINAPI
#endif
#ifndef CALLBACK
#define CALLBACK
#endif

/* TAPI handles: opaque 32-bit values on every platform. */
typedef DWORD HCALL, *LPHCALL;
typedef DWORD HCALLHUB, *LPHCALLHUB;
typedef DWORD HLINE, *LPHLINE;
typedef DWORD HPHONE, *LPHPHONE;
typedef DWORD HLINEAPP, *LPHLINEAPP;
typedef DWORD HPHONEAPP, *LPHPHONEAPP;
typedef DWORD HAGENTSESSION, *LPHAGENTSESSION;
typedef DWORD HAGENT, *LPHAGENT;
typedef DWORD HPRIVATECHANNEL, *LPHPRIVATECHANNEL;

/* Called on a library-owned thread, one message at a time, in order. */
typedef void(CALLBACK *LINECALLBACK)(DWORD hDevice, DWORD dwMessage, DWORD_PTR dwInstance,
                                     DWORD_PTR dwParam1, DWORD_PTR dwParam2, DWORD_PTR dwParam3);

/* ---------------------------------------------------------------------------
 * Constants
 * ------------------------------------------------------------------------- */

/* API versions: high word major, low word minor. */
#define TAPI_VERSION1_0 0x00010003
#define TAPI_VERSION1_4 0x00010004
#define TAPI_VERSION2_0 0x00020000
#define TAPI_VERSION2_1 0x00020001
#define TAPI_VERSION2_2 0x00020002
#if (TAPI_CURRENT_VERSION >= 0x00030000)
#define TAPI_VERSION3_0 0x00030000
#define TAPI_VERSION3_1 0x00030001
#endif
#define TAPI_VERSION_CURRENT TAPI_CURRENT_VERSION

/* Message ids (LINE_, and the PHONE_ ids that share their numbering) */
#define LINE_ADDRESSSTATE                          0
#define LINE_CALLINFO                              1
#define LINE_CALLSTATE                             2
#define LINE_CLOSE                                 3
#define LINE_DEVSPECIFIC                           4
#define LINE_DEVSPECIFICFEATURE                    5
#define LINE_GATHERDIGITS                          6
#define LINE_GENERATE                              7
#define LINE_LINEDEVSTATE                          8
#define LINE_MONITORDIGITS                         9
#define LINE_MONITORMEDIA                          10
#define LINE_MONITORTONE                           11
#define LINE_REPLY                                 12
#define LINE_REQUEST                               13
#define PHONE_BUTTON                               14
#define PHONE_CLOSE                                15
#define PHONE_DEVSPECIFIC                          16
#define PHONE_REPLY                                17
#define PHONE_STATE                                18
#define LINE_CREATE                                19
#define PHONE_CREATE                               20
#define LINE_AGENTSPECIFIC                         21
#define LINE_AGENTSTATUS                           22
#define LINE_APPNEWCALL                            23
#define LINE_PROXYREQUEST                          24
#define LINE_REMOVE                                25
#define PHONE_REMOVE                               26
#define LINE_AGENTSESSIONSTATUS                    27
#define LINE_QUEUESTATUS                           28
#define LINE_AGENTSTATUSEX                         29
#define LINE_GROUPSTATUS                           30
#define LINE_PROXYSTATUS                           31
#if (TAPI_CURRENT_VERSION >= 0x00030000)
#define LINE_APPNEWCALLHUB                         32
#endif
#if (TAPI_CURRENT_VERSION >= 0x00030000)
#define LINE_CALLHUBCLOSE                          33
#endif
#if (TAPI_CURRENT_VERSION >= 0x00030000)
#define LINE_DEVSPECIFICEX                         34
#endif

/* INITIALIZE_ */
#define INITIALIZE_NEGOTIATION                     0xFFFFFFFFU

/* LINEADDRCAPFLAGS_ */
#define LINEADDRCAPFLAGS_FWDNUMRINGS               0x00000001
#define LINEADDRCAPFLAGS_PICKUPGROUPID             0x00000002
#define LINEADDRCAPFLAGS_SECURE                    0x00000004
#define LINEADDRCAPFLAGS_BLOCKIDDEFAULT            0x00000008
#define LINEADDRCAPFLAGS_BLOCKIDOVERRIDE           0x00000010
#define LINEADDRCAPFLAGS_DIALED                    0x00000020
#define LINEADDRCAPFLAGS_ORIGOFFHOOK               0x00000040
#define LINEADDRCAPFLAGS_DESTOFFHOOK               0x00000080
#define LINEADDRCAPFLAGS_FWDCONSULT                0x00000100
#define LINEADDRCAPFLAGS_SETUPCONFNULL             0x00000200
#define LINEADDRCAPFLAGS_AUTORECONNECT             0x00000400
#define LINEADDRCAPFLAGS_COMPLETIONID              0x00000800
#define LINEADDRCAPFLAGS_TRANSFERHELD              0x00001000
#define LINEADDRCAPFLAGS_TRANSFERMAKE              0x00002000
#define LINEADDRCAPFLAGS_CONFERENCEHELD            0x00004000
#define LINEADDRCAPFLAGS_CONFERENCEMAKE            0x00008000
#define LINEADDRCAPFLAGS_PARTIALDIAL               0x00010000
#define LINEADDRCAPFLAGS_FWDSTATUSVALID            0x00020000
#define LINEADDRCAPFLAGS_FWDINTEXTADDR             0x00040000
#define LINEADDRCAPFLAGS_FWDBUSYNAADDR             0x00080000
#define LINEADDRCAPFLAGS_ACCEPTTOALERT             0x00100000
#define LINEADDRCAPFLAGS_CONFDROP                  0x00200000
#define LINEADDRCAPFLAGS_PICKUPCALLWAIT            0x00400000
#define LINEADDRCAPFLAGS_PREDICTIVEDIALER          0x00800000
#define LINEADDRCAPFLAGS_QUEUE                     0x01000000
#define LINEADDRCAPFLAGS_ROUTEPOINT                0x02000000
#define LINEADDRCAPFLAGS_HOLDMAKESNEW              0x04000000
#define LINEADDRCAPFLAGS_NOINTERNALCALLS           0x08000000
#define LINEADDRCAPFLAGS_NOEXTERNALCALLS           0x10000000
#define LINEADDRCAPFLAGS_SETCALLINGID              0x20000000
#define LINEADDRCAPFLAGS_ACDGROUP                  0x40000000
#define LINEADDRCAPFLAGS_NOPSTNADDRESSTRANSLATION  0x80000000

/* LINEADDRESSMODE_ */
#define LINEADDRESSMODE_ADDRESSID                  0x00000001
#define LINEADDRESSMODE_DIALABLEADDR               0x00000002

/* LINEADDRESSSHARING_ */
#define LINEADDRESSSHARING_PRIVATE                 0x00000001
#define LINEADDRESSSHARING_BRIDGEDEXCL             0x00000002
#define LINEADDRESSSHARING_BRIDGEDNEW              0x00000004
#define LINEADDRESSSHARING_BRIDGEDSHARED           0x00000008
#define LINEADDRESSSHARING_MONITORED               0x00000010

/* LINEADDRFEATURE_ */
#define LINEADDRFEATURE_FORWARD                    0x00000001
#define LINEADDRFEATURE_MAKECALL                   0x00000002
#define LINEADDRFEATURE_PICKUP                     0x00000004
#define LINEADDRFEATURE_SETMEDIACONTROL            0x00000008
#define LINEADDRFEATURE_SETTERMINAL                0x00000010
#define LINEADDRFEATURE_SETUPCONF                  0x00000020
#define LINEADDRFEATURE_UNCOMPLETECALL             0x00000040
#define LINEADDRFEATURE_UNPARK                     0x00000080
#define LINEADDRFEATURE_PICKUPHELD                 0x00000100
#define LINEADDRFEATURE_PICKUPGROUP                0x00000200
#define LINEADDRFEATURE_PICKUPDIRECT               0x00000400
#define LINEADDRFEATURE_PICKUPWAITING              0x00000800
#define LINEADDRFEATURE_FORWARDFWD                 0x00001000
#define LINEADDRFEATURE_FORWARDDND                 0x00002000

/* LINEAGENTFEATURE_ */
#define LINEAGENTFEATURE_SETAGENTGROUP             0x00000001
#define LINEAGENTFEATURE_SETAGENTSTATE             0x00000002
#define LINEAGENTFEATURE_SETAGENTACTIVITY          0x00000004
#define LINEAGENTFEATURE_AGENTSPECIFIC             0x00000008
#define LINEAGENTFEATURE_GETAGENTACTIVITYLIST      0x00000010
#define LINEAGENTFEATURE_GETAGENTGROUP             0x00000020

/* LINEAGENTSTATE_ */
#define LINEAGENTSTATE_LOGGEDOFF                   0x00000001
#define LINEAGENTSTATE_NOTREADY                    0x00000002
#define LINEAGENTSTATE_READY                       0x00000004
#define LINEAGENTSTATE_BUSYACD                     0x00000008
#define LINEAGENTSTATE_BUSYINCOMING                0x00000010
#define LINEAGENTSTATE_BUSYOUTBOUND                0x00000020
#define LINEAGENTSTATE_BUSYOTHER                   0x00000040
#define LINEAGENTSTATE_WORKINGAFTERCALL            0x00000080
#define LINEAGENTSTATE_UNKNOWN                     0x00000100
#define LINEAGENTSTATE_UNAVAIL                     0x00000200

/* LINEAGENTSTATUS_ */
#define LINEAGENTSTATUS_GROUP                      0x00000001
#define LINEAGENTSTATUS_STATE                      0x00000002
#define LINEAGENTSTATUS_NEXTSTATE                  0x00000004
#define LINEAGENTSTATUS_ACTIVITY                   0x00000008
#define LINEAGENTSTATUS_ACTIVITYLIST               0x00000010
#define LINEAGENTSTATUS_GROUPLIST                  0x00000020
#define LINEAGENTSTATUS_CAPSCHANGE                 0x00000040
#define LINEAGENTSTATUS_VALIDSTATES                0x00000080
#define LINEAGENTSTATUS_VALIDNEXTSTATES            0x00000100

/* LINEAGENTSTATEEX_ */
#define LINEAGENTSTATEEX_NOTREADY                  0x00000001
#define LINEAGENTSTATEEX_READY                     0x00000002
#define LINEAGENTSTATEEX_BUSYACD                   0x00000004
#define LINEAGENTSTATEEX_BUSYINCOMING              0x00000008
#define LINEAGENTSTATEEX_BUSYOUTGOING              0x00000010
#define LINEAGENTSTATEEX_UNKNOWN                   0x00000020
#define LINEAGENTSTATEEX_RELEASED                  0x00000040

/* LINEAGENTSTATUSEX_ */
#define LINEAGENTSTATUSEX_NEWAGENT                 0x00000001
#define LINEAGENTSTATUSEX_STATE                    0x00000002
#define LINEAGENTSTATUSEX_UPDATEINFO               0x00000004

/* LINEAGENTSESSIONSTATE_ */
#define LINEAGENTSESSIONSTATE_NOTREADY             0x00000001
#define LINEAGENTSESSIONSTATE_READY                0x00000002
#define LINEAGENTSESSIONSTATE_BUSYONCALL           0x00000004
#define LINEAGENTSESSIONSTATE_BUSYWRAPUP           0x00000008
#define LINEAGENTSESSIONSTATE_ENDED                0x00000010
#define LINEAGENTSESSIONSTATE_RELEASED             0x00000020

/* LINEAGENTSESSIONSTATUS_ */
#define LINEAGENTSESSIONSTATUS_NEWSESSION          0x00000001
#define LINEAGENTSESSIONSTATUS_STATE               0x00000002
#define LINEAGENTSESSIONSTATUS_UPDATEINFO          0x00000004

/* LINEQUEUESTATUS_ */
#define LINEQUEUESTATUS_UPDATEINFO                 0x00000001
#define LINEQUEUESTATUS_NEWQUEUE                   0x00000002
#define LINEQUEUESTATUS_QUEUEREMOVED               0x00000004

/* LINEGROUPSTATUS_ */
#define LINEGROUPSTATUS_NEWGROUP                   0x00000001
#define LINEGROUPSTATUS_GROUPREMOVED               0x00000002

/* LINEPROXYSTATUS_ */
#define LINEPROXYSTATUS_OPEN                       0x00000001
#define LINEPROXYSTATUS_CLOSE                      0x00000002
#define LINEPROXYSTATUS_ALLOPENFORACD              0x00000004

/* LINEBEARERMODE_ */
#define LINEBEARERMODE_VOICE                       0x00000001
#define LINEBEARERMODE_SPEECH                      0x00000002
#define LINEBEARERMODE_MULTIUSE                    0x00000004
#define LINEBEARERMODE_DATA                        0x00000008
#define LINEBEARERMODE_ALTSPEECHDATA               0x00000010
#define LINEBEARERMODE_NONCALLSIGNALING            0x00000020
#define LINEBEARERMODE_PASSTHROUGH                 0x00000040
#define LINEBEARERMODE_RESTRICTEDDATA              0x00000080

/* LINECALLPRIVILEGE_ */
#define LINECALLPRIVILEGE_NONE                     0x00000001
#define LINECALLPRIVILEGE_MONITOR                  0x00000002
#define LINECALLPRIVILEGE_OWNER                    0x00000004

/* LINEDEVCAPFLAGS_ */
#define LINEDEVCAPFLAGS_CROSSADDRCONF              0x00000001
#define LINEDEVCAPFLAGS_HIGHLEVCOMP                0x00000002
#define LINEDEVCAPFLAGS_LOWLEVCOMP                 0x00000004
#define LINEDEVCAPFLAGS_MEDIACONTROL               0x00000008
#define LINEDEVCAPFLAGS_MULTIPLEADDR               0x00000010
#define LINEDEVCAPFLAGS_CLOSEDROP                  0x00000020
#define LINEDEVCAPFLAGS_DIALBILLING                0x00000040
#define LINEDEVCAPFLAGS_DIALQUIET                  0x00000080
#define LINEDEVCAPFLAGS_DIALDIALTONE               0x00000100
#define LINEDEVCAPFLAGS_MSP                        0x00000200
#define LINEDEVCAPFLAGS_CALLHUB                    0x00000400
#define LINEDEVCAPFLAGS_CALLHUBTRACKING            0x00000800
#define LINEDEVCAPFLAGS_PRIVATEOBJECTS             0x00001000
#define LINEDEVCAPFLAGS_LOCAL                      0x00002000

/* LINEERR_: results (request ids are 1..0x7FFFFFFF) */
#define LINEERR_ALLOCATED                          0x80000001
#define LINEERR_BADDEVICEID                        0x80000002
#define LINEERR_BEARERMODEUNAVAIL                  0x80000003
#define LINEERR_CALLUNAVAIL                        0x80000005
#define LINEERR_COMPLETIONOVERRUN                  0x80000006
#define LINEERR_CONFERENCEFULL                     0x80000007
#define LINEERR_DIALBILLING                        0x80000008
#define LINEERR_DIALDIALTONE                       0x80000009
#define LINEERR_DIALPROMPT                         0x8000000A
#define LINEERR_DIALQUIET                          0x8000000B
#define LINEERR_INCOMPATIBLEAPIVERSION             0x8000000C
#define LINEERR_INCOMPATIBLEEXTVERSION             0x8000000D
#define LINEERR_INIFILECORRUPT                     0x8000000E
#define LINEERR_INUSE                              0x8000000F
#define LINEERR_INVALADDRESS                       0x80000010
#define LINEERR_INVALADDRESSID                     0x80000011
#define LINEERR_INVALADDRESSMODE                   0x80000012
#define LINEERR_INVALADDRESSSTATE                  0x80000013
#define LINEERR_INVALAPPHANDLE                     0x80000014
#define LINEERR_INVALAPPNAME                       0x80000015
#define LINEERR_INVALBEARERMODE                    0x80000016
#define LINEERR_INVALCALLCOMPLMODE                 0x80000017
#define LINEERR_INVALCALLHANDLE                    0x80000018
#define LINEERR_INVALCALLPARAMS                    0x80000019
#define LINEERR_INVALCALLPRIVILEGE                 0x8000001A
#define LINEERR_INVALCALLSELECT                    0x8000001B
#define LINEERR_INVALCALLSTATE                     0x8000001C
#define LINEERR_INVALCALLSTATELIST                 0x8000001D
#define LINEERR_INVALCARD                          0x8000001E
#define LINEERR_INVALCOMPLETIONID                  0x8000001F
#define LINEERR_INVALCONFCALLHANDLE                0x80000020
#define LINEERR_INVALCONSULTCALLHANDLE             0x80000021
#define LINEERR_INVALCOUNTRYCODE                   0x80000022
#define LINEERR_INVALDEVICECLASS                   0x80000023
#define LINEERR_INVALDEVICEHANDLE                  0x80000024
#define LINEERR_INVALDIALPARAMS                    0x80000025
#define LINEERR_INVALDIGITLIST                     0x80000026
#define LINEERR_INVALDIGITMODE                     0x80000027
#define LINEERR_INVALDIGITS                        0x80000028
#define LINEERR_INVALEXTVERSION                    0x80000029
#define LINEERR_INVALGROUPID                       0x8000002A
#define LINEERR_INVALLINEHANDLE                    0x8000002B
#define LINEERR_INVALLINESTATE                     0x8000002C
#define LINEERR_INVALLOCATION                      0x8000002D
#define LINEERR_INVALMEDIALIST                     0x8000002E
#define LINEERR_INVALMEDIAMODE                     0x8000002F
#define LINEERR_INVALMESSAGEID                     0x80000030
#define LINEERR_INVALPARAM                         0x80000032
#define LINEERR_INVALPARKID                        0x80000033
#define LINEERR_INVALPARKMODE                      0x80000034
#define LINEERR_INVALPOINTER                       0x80000035
#define LINEERR_INVALPRIVSELECT                    0x80000036
#define LINEERR_INVALRATE                          0x80000037
#define LINEERR_INVALREQUESTMODE                   0x80000038
#define LINEERR_INVALTERMINALID                    0x80000039
#define LINEERR_INVALTERMINALMODE                  0x8000003A
#define LINEERR_INVALTIMEOUT                       0x8000003B
#define LINEERR_INVALTONE                          0x8000003C
#define LINEERR_INVALTONELIST                      0x8000003D
#define LINEERR_INVALTONEMODE                      0x8000003E
#define LINEERR_INVALTRANSFERMODE                  0x8000003F
#define LINEERR_LINEMAPPERFAILED                   0x80000040
#define LINEERR_NOCONFERENCE                       0x80000041
#define LINEERR_NODEVICE                           0x80000042
#define LINEERR_NODRIVER                           0x80000043
#define LINEERR_NOMEM                              0x80000044
#define LINEERR_NOREQUEST                          0x80000045
#define LINEERR_NOTOWNER                           0x80000046
#define LINEERR_NOTREGISTERED                      0x80000047
#define LINEERR_OPERATIONFAILED                    0x80000048
#define LINEERR_OPERATIONUNAVAIL                   0x80000049
#define LINEERR_RATEUNAVAIL                        0x8000004A
#define LINEERR_RESOURCEUNAVAIL                    0x8000004B
#define LINEERR_REQUESTOVERRUN                     0x8000004C
#define LINEERR_STRUCTURETOOSMALL                  0x8000004D
#define LINEERR_TARGETNOTFOUND                     0x8000004E
#define LINEERR_TARGETSELF                         0x8000004F
#define LINEERR_UNINITIALIZED                      0x80000050
#define LINEERR_USERUSERINFOTOOBIG                 0x80000051
#define LINEERR_REINIT                             0x80000052
#define LINEERR_ADDRESSBLOCKED                     0x80000053
#define LINEERR_BILLINGREJECTED                    0x80000054
#define LINEERR_INVALFEATURE                       0x80000055
#define LINEERR_NOMULTIPLEINSTANCE                 0x80000056
#define LINEERR_INVALAGENTID                       0x80000057
#define LINEERR_INVALAGENTGROUP                    0x80000058
#define LINEERR_INVALPASSWORD                      0x80000059
#define LINEERR_INVALAGENTSTATE                    0x8000005A
#define LINEERR_INVALAGENTACTIVITY                 0x8000005B
#define LINEERR_DIALVOICEDETECT                    0x8000005C
#define LINEERR_USERCANCELLED                      0x8000005D
#if (TAPI_CURRENT_VERSION >= 0x00030000)
#define LINEERR_INVALADDRESSTYPE                   0x8000005E
#endif
#define LINEERR_INVALAGENTSESSIONSTATE             0x8000005F
#define LINEERR_DISCONNECTED                       0x80000060
#if (TAPI_CURRENT_VERSION >= 0x00030000)
#define LINEERR_SERVICE_NOT_RUNNING                0x80000061
#endif

/* LINEFEATURE_ */
#define LINEFEATURE_DEVSPECIFIC                    0x00000001
#define LINEFEATURE_DEVSPECIFICFEAT                0x00000002
#define LINEFEATURE_FORWARD                        0x00000004
#define LINEFEATURE_MAKECALL                       0x00000008
#define LINEFEATURE_SETMEDIACONTROL                0x00000010
#define LINEFEATURE_SETTERMINAL                    0x00000020
#define LINEFEATURE_SETDEVSTATUS                   0x00000040
#define LINEFEATURE_FORWARDFWD                     0x00000080
#define LINEFEATURE_FORWARDDND                     0x00000100

/* LINEINITIALIZEEXOPTION_ */
#define LINEINITIALIZEEXOPTION_USEHIDDENWINDOW     0x00000001
#define LINEINITIALIZEEXOPTION_USEEVENT            0x00000002
#define LINEINITIALIZEEXOPTION_USECOMPLETIONPORT   0x00000003
#if (TAPI_CURRENT_VERSION >= 0x00030000)
#define LINEINITIALIZEEXOPTION_CALLHUBTRACKING     0x80000000
#endif

/* LINEMAPPER_ */
#define LINEMAPPER                                 0xFFFFFFFF

/* LINEMEDIAMODE_ */
#define LINEMEDIAMODE_UNKNOWN                      0x00000002
#define LINEMEDIAMODE_INTERACTIVEVOICE             0x00000004
#define LINEMEDIAMODE_AUTOMATEDVOICE               0x00000008
#define LINEMEDIAMODE_DATAMODEM                    0x00000010
#define LINEMEDIAMODE_G3FAX                        0x00000020
#define LINEMEDIAMODE_TDD                          0x00000040
#define LINEMEDIAMODE_G4FAX                        0x00000080
#define LINEMEDIAMODE_DIGITALDATA                  0x00000100
#define LINEMEDIAMODE_TELETEX                      0x00000200
#define LINEMEDIAMODE_VIDEOTEX                     0x00000400
#define LINEMEDIAMODE_TELEX                        0x00000800
#define LINEMEDIAMODE_MIXED                        0x00001000
#define LINEMEDIAMODE_ADSI                         0x00002000
#define LINEMEDIAMODE_VOICEVIEW                    0x00004000
#define LINEMEDIAMODE_VIDEO                        0x00008000
#define LAST_LINEMEDIAMODE                         0x00008000

/* LINEOPENOPTION_ */
#define LINEOPENOPTION_SINGLEADDRESS               0x80000000
#define LINEOPENOPTION_PROXY                       0x40000000

/* LINEPROXYREQUEST_ */
#define LINEPROXYREQUEST_SETAGENTGROUP             0x00000001
#define LINEPROXYREQUEST_SETAGENTSTATE             0x00000002
#define LINEPROXYREQUEST_SETAGENTACTIVITY          0x00000003
#define LINEPROXYREQUEST_GETAGENTCAPS              0x00000004
#define LINEPROXYREQUEST_GETAGENTSTATUS            0x00000005
#define LINEPROXYREQUEST_AGENTSPECIFIC             0x00000006
#define LINEPROXYREQUEST_GETAGENTACTIVITYLIST      0x00000007
#define LINEPROXYREQUEST_GETAGENTGROUPLIST         0x00000008
#define LINEPROXYREQUEST_CREATEAGENT               0x00000009
#define LINEPROXYREQUEST_SETAGENTMEASUREMENTPERIOD 0x0000000A
#define LINEPROXYREQUEST_GETAGENTINFO              0x0000000B
#define LINEPROXYREQUEST_CREATEAGENTSESSION        0x0000000C
#define LINEPROXYREQUEST_GETAGENTSESSIONLIST       0x0000000D
#define LINEPROXYREQUEST_SETAGENTSESSIONSTATE      0x0000000E
#define LINEPROXYREQUEST_GETAGENTSESSIONINFO       0x0000000F
#define LINEPROXYREQUEST_GETQUEUELIST              0x00000010
#define LINEPROXYREQUEST_SETQUEUEMEASUREMENTPERIOD 0x00000011
#define LINEPROXYREQUEST_GETQUEUEINFO              0x00000012
#define LINEPROXYREQUEST_GETGROUPLIST              0x00000013
#define LINEPROXYREQUEST_SETAGENTSTATEEX           0x00000014

/* STRINGFORMAT_ */
#define STRINGFORMAT_ASCII                         0x00000001
#define STRINGFORMAT_DBCS                          0x00000002
#define STRINGFORMAT_UNICODE                       0x00000003
#define STRINGFORMAT_BINARY                        0x00000004

/* limits */
#define TAPIMAXAPPNAMESIZE                         40
#define TAPIMAXDEVICECLASSSIZE                     40
#define TAPIMAXDEVICEIDSIZE                        40

/* ---------------------------------------------------------------------------
 * Structures: Microsoft's member names, order and x64 offsets, pack(1).
 * ------------------------------------------------------------------------- */
#pragma pack(push, 1)

typedef struct lineextensionid_tag {
    DWORD dwExtensionID0;
    DWORD dwExtensionID1;
    DWORD dwExtensionID2;
    DWORD dwExtensionID3;
} LINEEXTENSIONID, *LPLINEEXTENSIONID;

typedef struct linedialparams_tag {
    DWORD dwDialPause;
    DWORD dwDialSpeed;
    DWORD dwDigitDuration;
    DWORD dwWaitForDialtone;
} LINEDIALPARAMS, *LPLINEDIALPARAMS;

typedef struct varstring_tag {
    DWORD dwTotalSize;
    DWORD dwNeededSize;
    DWORD dwUsedSize;
    DWORD dwStringFormat;
    DWORD dwStringSize;
    DWORD dwStringOffset;
} VARSTRING, *LPVARSTRING;

typedef struct linemessage_tag {
    DWORD hDevice;
    DWORD dwMessageID;
    DWORD_PTR dwCallbackInstance;
    DWORD_PTR dwParam1;
    DWORD_PTR dwParam2;
    DWORD_PTR dwParam3;
} LINEMESSAGE, *LPLINEMESSAGE;

typedef struct lineinitializeexparams_tag {
    DWORD dwTotalSize;
    DWORD dwNeededSize;
    DWORD dwUsedSize;
    DWORD dwOptions;
    union {
        HANDLE hEvent; /* USEEVENT: a file descriptor, readable while messages wait */
        HANDLE hCompletionPort;
    } Handles;
    DWORD dwCompletionKey;
} LINEINITIALIZEEXPARAMS, *LPLINEINITIALIZEEXPARAMS;

typedef struct linecallparams_tag {
    DWORD dwTotalSize;
    DWORD dwBearerMode;
    DWORD dwMinRate;
    DWORD dwMaxRate;
    DWORD dwMediaMode;
    DWORD dwCallParamFlags;
    DWORD dwAddressMode;
    DWORD dwAddressID;
    LINEDIALPARAMS DialParams;
    DWORD dwOrigAddressSize;
    DWORD dwOrigAddressOffset;
    DWORD dwDisplayableAddressSize;
    DWORD dwDisplayableAddressOffset;
    DWORD dwCalledPartySize;
    DWORD dwCalledPartyOffset;
    DWORD dwCommentSize;
    DWORD dwCommentOffset;
    DWORD dwUserUserInfoSize;
    DWORD dwUserUserInfoOffset;
    DWORD dwHighLevelCompSize;
    DWORD dwHighLevelCompOffset;
    DWORD dwLowLevelCompSize;
    DWORD dwLowLevelCompOffset;
    DWORD dwDevSpecificSize;   /* with LINEOPENOPTION_PROXY: DWORD array of */
    DWORD dwDevSpecificOffset; /* the LINEPROXYREQUEST_ types handled      */
    DWORD dwPredictiveAutoTransferStates;  /* TAPI v2.0 */
    DWORD dwTargetAddressSize;             /* TAPI v2.0 */
    DWORD dwTargetAddressOffset;           /* TAPI v2.0 */
    DWORD dwSendingFlowspecSize;           /* TAPI v2.0 */
    DWORD dwSendingFlowspecOffset;         /* TAPI v2.0 */
    DWORD dwReceivingFlowspecSize;         /* TAPI v2.0 */
    DWORD dwReceivingFlowspecOffset;       /* TAPI v2.0 */
    DWORD dwDeviceClassSize;               /* TAPI v2.0 */
    DWORD dwDeviceClassOffset;             /* TAPI v2.0 */
    DWORD dwDeviceConfigSize;              /* TAPI v2.0 */
    DWORD dwDeviceConfigOffset;            /* TAPI v2.0 */
    DWORD dwCallDataSize;                  /* TAPI v2.0 */
    DWORD dwCallDataOffset;                /* TAPI v2.0 */
    DWORD dwNoAnswerTimeout;               /* TAPI v2.0 */
    DWORD dwCallingPartyIDSize;            /* TAPI v2.0 */
    DWORD dwCallingPartyIDOffset;          /* TAPI v2.0 */
#if (TAPI_CURRENT_VERSION >= 0x00030000)
    DWORD dwAddressType;                   /* TAPI v3.0 */
#endif
} LINECALLPARAMS, *LPLINECALLPARAMS;

typedef struct linedevcaps_tag {
    DWORD dwTotalSize;
    DWORD dwNeededSize;
    DWORD dwUsedSize;
    DWORD dwProviderInfoSize;
    DWORD dwProviderInfoOffset;
    DWORD dwSwitchInfoSize;
    DWORD dwSwitchInfoOffset;
    DWORD dwPermanentLineID;
    DWORD dwLineNameSize;
    DWORD dwLineNameOffset;
    DWORD dwStringFormat;
    DWORD dwAddressModes;
    DWORD dwNumAddresses;
    DWORD dwBearerModes;
    DWORD dwMaxRate;
    DWORD dwMediaModes;
    DWORD dwGenerateToneModes;
    DWORD dwGenerateToneMaxNumFreq;
    DWORD dwGenerateDigitModes;
    DWORD dwMonitorToneMaxNumFreq;
    DWORD dwMonitorToneMaxNumEntries;
    DWORD dwMonitorDigitModes;
    DWORD dwGatherDigitsMinTimeout;
    DWORD dwGatherDigitsMaxTimeout;
    DWORD dwMedCtlDigitMaxListSize;
    DWORD dwMedCtlMediaMaxListSize;
    DWORD dwMedCtlToneMaxListSize;
    DWORD dwMedCtlCallStateMaxListSize;
    DWORD dwDevCapFlags;
    DWORD dwMaxNumActiveCalls;
    DWORD dwAnswerMode;
    DWORD dwRingModes;
    DWORD dwLineStates;
    DWORD dwUUIAcceptSize;
    DWORD dwUUIAnswerSize;
    DWORD dwUUIMakeCallSize;
    DWORD dwUUIDropSize;
    DWORD dwUUISendUserUserInfoSize;
    DWORD dwUUICallInfoSize;
    LINEDIALPARAMS MinDialParams;
    LINEDIALPARAMS MaxDialParams;
    LINEDIALPARAMS DefaultDialParams;
    DWORD dwNumTerminals;
    DWORD dwTerminalCapsSize;
    DWORD dwTerminalCapsOffset;
    DWORD dwTerminalTextEntrySize;
    DWORD dwTerminalTextSize;
    DWORD dwTerminalTextOffset;
    DWORD dwDevSpecificSize;
    DWORD dwDevSpecificOffset;
    DWORD dwLineFeatures;         /* TAPI v1.4 */
    DWORD dwSettableDevStatus;    /* TAPI v2.0 */
    DWORD dwDeviceClassesSize;    /* TAPI v2.0 */
    DWORD dwDeviceClassesOffset;  /* TAPI v2.0 */
    GUID PermanentLineGuid;       /* TAPI v2.2 */
#if (TAPI_CURRENT_VERSION >= 0x00030000)
    DWORD dwAddressTypes;         /* TAPI v3.0 */
    GUID ProtocolGuid;            /* TAPI v3.0 */
    DWORD dwAvailableTracking;    /* TAPI v3.0 */
#endif
} LINEDEVCAPS, *LPLINEDEVCAPS;

typedef struct lineaddresscaps_tag {
    DWORD dwTotalSize;
    DWORD dwNeededSize;
    DWORD dwUsedSize;
    DWORD dwLineDeviceID;
    DWORD dwAddressSize;
    DWORD dwAddressOffset;
    DWORD dwDevSpecificSize;
    DWORD dwDevSpecificOffset;
    DWORD dwAddressSharing;
    DWORD dwAddressStates;
    DWORD dwCallInfoStates;
    DWORD dwCallerIDFlags;
    DWORD dwCalledIDFlags;
    DWORD dwConnectedIDFlags;
    DWORD dwRedirectionIDFlags;
    DWORD dwRedirectingIDFlags;
    DWORD dwCallStates;
    DWORD dwDialToneModes;
    DWORD dwBusyModes;
    DWORD dwSpecialInfo;
    DWORD dwDisconnectModes;
    DWORD dwMaxNumActiveCalls;
    DWORD dwMaxNumOnHoldCalls;
    DWORD dwMaxNumOnHoldPendingCalls;
    DWORD dwMaxNumConference;
    DWORD dwMaxNumTransConf;
    DWORD dwAddrCapFlags;
    DWORD dwCallFeatures;
    DWORD dwRemoveFromConfCaps;
    DWORD dwRemoveFromConfState;
    DWORD dwTransferModes;
    DWORD dwParkModes;
    DWORD dwForwardModes;
    DWORD dwMaxForwardEntries;
    DWORD dwMaxSpecificEntries;
    DWORD dwMinFwdNumRings;
    DWORD dwMaxFwdNumRings;
    DWORD dwMaxCallCompletions;
    DWORD dwCallCompletionConds;
    DWORD dwCallCompletionModes;
    DWORD dwNumCompletionMessages;
    DWORD dwCompletionMsgTextEntrySize;
    DWORD dwCompletionMsgTextSize;
    DWORD dwCompletionMsgTextOffset;
    DWORD dwAddressFeatures;              /* TAPI v1.4 */
    DWORD dwPredictiveAutoTransferStates; /* TAPI v2.0 */
    DWORD dwNumCallTreatments;            /* TAPI v2.0 */
    DWORD dwCallTreatmentListSize;        /* TAPI v2.0 */
    DWORD dwCallTreatmentListOffset;      /* TAPI v2.0 */
    DWORD dwDeviceClassesSize;            /* TAPI v2.0 */
    DWORD dwDeviceClassesOffset;          /* TAPI v2.0 */
    DWORD dwMaxCallDataSize;              /* TAPI v2.0 */
    DWORD dwCallFeatures2;                /* TAPI v2.0 */
    DWORD dwMaxNoAnswerTimeout;           /* TAPI v2.0 */
    DWORD dwConnectedModes;               /* TAPI v2.0 */
    DWORD dwOfferingModes;                /* TAPI v2.0 */
    DWORD dwAvailableMediaModes;          /* TAPI v2.0 */
} LINEADDRESSCAPS, *LPLINEADDRESSCAPS;

/* --- call-center structures --------------------------------------------- */

/* String offsets inside list entries count from the start of the list. */
typedef struct lineagentactivityentry_tag {
    DWORD dwID;
    DWORD dwNameSize;
    DWORD dwNameOffset;
} LINEAGENTACTIVITYENTRY, *LPLINEAGENTACTIVITYENTRY;

typedef struct lineagentactivitylist_tag {
    DWORD dwTotalSize;
    DWORD dwNeededSize;
    DWORD dwUsedSize;
    DWORD dwNumEntries;
    DWORD dwListSize;
    DWORD dwListOffset;
} LINEAGENTACTIVITYLIST, *LPLINEAGENTACTIVITYLIST;

typedef struct lineagentcaps_tag {
    DWORD dwTotalSize;
    DWORD dwNeededSize;
    DWORD dwUsedSize;
    DWORD dwAgentHandlerInfoSize;
    DWORD dwAgentHandlerInfoOffset;
    DWORD dwCapsVersion;
    DWORD dwFeatures;
    DWORD dwStates;
    DWORD dwNextStates;
    DWORD dwMaxNumGroupEntries;
    DWORD dwAgentStatusMessages;
    DWORD dwNumAgentExtensionIDs;
    DWORD dwAgentExtensionIDListSize;
    DWORD dwAgentExtensionIDListOffset;
#if (TAPI_CURRENT_VERSION >= 0x00020002)
    GUID ProxyGUID;                        /* TAPI v2.2 */
#endif
} LINEAGENTCAPS, *LPLINEAGENTCAPS;

typedef struct lineagentgroupentry_tag {
    struct {
        DWORD dwGroupID1;
        DWORD dwGroupID2;
        DWORD dwGroupID3;
        DWORD dwGroupID4;
    } GroupID;
    DWORD dwNameSize;
    DWORD dwNameOffset;
} LINEAGENTGROUPENTRY, *LPLINEAGENTGROUPENTRY;

typedef struct lineagentgrouplist_tag {
    DWORD dwTotalSize;
    DWORD dwNeededSize;
    DWORD dwUsedSize;
    DWORD dwNumEntries;
    DWORD dwListSize;
    DWORD dwListOffset;
} LINEAGENTGROUPLIST, *LPLINEAGENTGROUPLIST;

typedef struct lineagentstatus_tag {
    DWORD dwTotalSize;
    DWORD dwNeededSize;
    DWORD dwUsedSize;
    DWORD dwNumEntries;
    DWORD dwGroupListSize;
    DWORD dwGroupListOffset;
    DWORD dwState;
    DWORD dwNextState;
    DWORD dwActivityID;
    DWORD dwActivitySize;
    DWORD dwActivityOffset;
    DWORD dwAgentFeatures;
    DWORD dwValidStates;
    DWORD dwValidNextStates;
} LINEAGENTSTATUS, *LPLINEAGENTSTATUS;

#if (TAPI_CURRENT_VERSION >= 0x00020002)
typedef struct lineagententry_tag {
    HAGENT hAgent;
    DWORD dwNameSize;
    DWORD dwNameOffset;
    DWORD dwIDSize;
    DWORD dwIDOffset;
    DWORD dwPINSize;
    DWORD dwPINOffset;
} LINEAGENTENTRY, *LPLINEAGENTENTRY;

typedef struct lineagentlist_tag {
    DWORD dwTotalSize;
    DWORD dwNeededSize;
    DWORD dwUsedSize;
    DWORD dwNumEntries;
    DWORD dwListSize;
    DWORD dwListOffset;
} LINEAGENTLIST, *LPLINEAGENTLIST;

typedef struct lineagentinfo_tag {
    DWORD dwTotalSize;
    DWORD dwNeededSize;
    DWORD dwUsedSize;
    DWORD dwAgentState;
    DWORD dwNextAgentState;
    DWORD dwMeasurementPeriod;
    CURRENCY cyOverallCallRate;
    DWORD dwNumberOfACDCalls;
    DWORD dwNumberOfIncomingCalls;
    DWORD dwNumberOfOutgoingCalls;
    DWORD dwTotalACDTalkTime;
    DWORD dwTotalACDCallTime;
    DWORD dwTotalACDWrapUpTime;
} LINEAGENTINFO, *LPLINEAGENTINFO;

typedef struct lineagentsession_tag {
    HAGENTSESSION hAgentSession;
    HAGENT hAgent;
    GUID GroupID;
    DWORD dwWorkingAddressID;
} LINEAGENTSESSIONENTRY, *LPLINEAGENTSESSIONENTRY;

typedef struct lineagentsessionlist_tag {
    DWORD dwTotalSize;
    DWORD dwNeededSize;
    DWORD dwUsedSize;
    DWORD dwNumEntries;
    DWORD dwListSize;
    DWORD dwListOffset;
} LINEAGENTSESSIONLIST, *LPLINEAGENTSESSIONLIST;

typedef struct lineagentsessioninfo_tag {
    DWORD dwTotalSize;
    DWORD dwNeededSize;
    DWORD dwUsedSize;
    DWORD dwAgentSessionState;
    DWORD dwNextAgentSessionState;
    DATE dateSessionStartTime;
    DWORD dwSessionDuration;
    DWORD dwNumberOfCalls;
    DWORD dwTotalTalkTime;
    DWORD dwAverageTalkTime;
    DWORD dwTotalCallTime;
    DWORD dwAverageCallTime;
    DWORD dwTotalWrapUpTime;
    DWORD dwAverageWrapUpTime;
    CURRENCY cyACDCallRate;
    DWORD dwLongestTimeToAnswer;
    DWORD dwAverageTimeToAnswer;
} LINEAGENTSESSIONINFO, *LPLINEAGENTSESSIONINFO;

typedef struct linequeueentry_tag {
    DWORD dwQueueID;
    DWORD dwNameSize;
    DWORD dwNameOffset;
} LINEQUEUEENTRY, *LPLINEQUEUEENTRY;

typedef struct linequeuelist_tag {
    DWORD dwTotalSize;
    DWORD dwNeededSize;
    DWORD dwUsedSize;
    DWORD dwNumEntries;
    DWORD dwListSize;
    DWORD dwListOffset;
} LINEQUEUELIST, *LPLINEQUEUELIST;

typedef struct linequeueinfo_tag {
    DWORD dwTotalSize;
    DWORD dwNeededSize;
    DWORD dwUsedSize;
    DWORD dwMeasurementPeriod;
    DWORD dwTotalCallsQueued;
    DWORD dwCurrentCallsQueued;
    DWORD dwTotalCallsAbandoned;
    DWORD dwTotalCallsFlowedIn;
    DWORD dwTotalCallsFlowedOut;
    DWORD dwLongestEverWaitTime;
    DWORD dwCurrentLongestWaitTime;
    DWORD dwAverageWaitTime;
    DWORD dwFinalDisposition;
} LINEQUEUEINFO, *LPLINEQUEUEINFO;

typedef struct lineproxyrequestlist_tag {
    DWORD dwTotalSize;
    DWORD dwNeededSize;
    DWORD dwUsedSize;
    DWORD dwNumEntries;
    DWORD dwListSize;   /* dwNumEntries * sizeof(DWORD) */
    DWORD dwListOffset; /* -> DWORD[]: LINEPROXYREQUEST_ values */
} LINEPROXYREQUESTLIST, *LPLINEPROXYREQUESTLIST;
#endif /* TAPI_CURRENT_VERSION >= 0x00020002 */

/*
 * What a proxy handler receives with LINE_PROXYREQUEST.  String offsets
 * (client names, agent ID and PIN) count from the start of this structure and
 * the strings are UTF-16LE; offsets inside an embedded structure count from
 * the start of that structure.  The union starts at offset 28.
 */
typedef struct lineproxyrequest_tag {
    DWORD dwSize;
    DWORD dwClientMachineNameSize;
    DWORD dwClientMachineNameOffset;
    DWORD dwClientUserNameSize;
    DWORD dwClientUserNameOffset;
    DWORD dwClientAppAPIVersion;
    DWORD dwRequestType;
    union {
        struct {
            DWORD dwAddressID;
            LINEAGENTGROUPLIST GroupList;
        } SetAgentGroup;
        struct {
            DWORD dwAddressID;
            DWORD dwAgentState;
            DWORD dwNextAgentState;
        } SetAgentState;
        struct {
            DWORD dwAddressID;
            DWORD dwActivityID;
        } SetAgentActivity;
        struct {
            DWORD dwAddressID;
            LINEAGENTCAPS AgentCaps;
        } GetAgentCaps;
        struct {
            DWORD dwAddressID;
            LINEAGENTSTATUS AgentStatus;
        } GetAgentStatus;
        struct {
            DWORD dwAddressID;
            DWORD dwAgentExtensionIDIndex;
            DWORD dwSize;
            BYTE Params[1];
        } AgentSpecific;
        struct {
            DWORD dwAddressID;
            LINEAGENTACTIVITYLIST ActivityList;
        } GetAgentActivityList;
        struct {
            DWORD dwAddressID;
            LINEAGENTGROUPLIST GroupList;
        } GetAgentGroupList;
#if (TAPI_CURRENT_VERSION >= 0x00020002)
        struct {
            HAGENT hAgent;
            DWORD dwAgentIDSize;
            DWORD dwAgentIDOffset;
            DWORD dwAgentPINSize;
            DWORD dwAgentPINOffset;
        } CreateAgent;
        struct {
            HAGENT hAgent;
            DWORD dwAgentState;
            DWORD dwNextAgentState;
        } SetAgentStateEx;
        struct {
            HAGENT hAgent;
            DWORD dwMeasurementPeriod;
        } SetAgentMeasurementPeriod;
        struct {
            HAGENT hAgent;
            LINEAGENTINFO AgentInfo;
        } GetAgentInfo;
        struct {
            HAGENTSESSION hAgentSession;
            DWORD dwAgentPINSize;
            DWORD dwAgentPINOffset;
            HAGENT hAgent;
            GUID GroupID;
            DWORD dwWorkingAddressID;
        } CreateAgentSession;
        struct {
            HAGENT hAgent;
            LINEAGENTSESSIONLIST SessionList;
        } GetAgentSessionList;
        struct {
            HAGENTSESSION hAgentSession;
            LINEAGENTSESSIONINFO SessionInfo;
        } GetAgentSessionInfo;
        struct {
            HAGENTSESSION hAgentSession;
            DWORD dwAgentSessionState;
            DWORD dwNextAgentSessionState;
        } SetAgentSessionState;
        struct {
            GUID GroupID;
            LINEQUEUELIST QueueList;
        } GetQueueList;
        struct {
            DWORD dwQueueID;
            DWORD dwMeasurementPeriod;
        } SetQueueMeasurementPeriod;
        struct {
            DWORD dwQueueID;
            LINEQUEUEINFO QueueInfo;
        } GetQueueInfo;
        struct {
            LINEAGENTGROUPLIST GroupList;
        } GetGroupList;
#endif
    };
} LINEPROXYREQUEST, *LPLINEPROXYREQUEST;

#pragma pack(pop)

/* ---------------------------------------------------------------------------
 * Functions.  Every one returns 0 or a positive request id on success and a
 * negative LINEERR_ value on failure; see the man pages in docs/.
 * ------------------------------------------------------------------------- */

/* Core line functions */
LONG WINAPI lineInitialize(LPHLINEAPP lphLineApp, HINSTANCE hInstance, LINECALLBACK lpfnCallback,
                           LPCSTR lpszAppName, LPDWORD lpdwNumDevs);
LONG WINAPI lineInitializeExA(LPHLINEAPP lphLineApp, HINSTANCE hInstance,
                              LINECALLBACK lpfnCallback, LPCSTR lpszFriendlyAppName,
                              LPDWORD lpdwNumDevs, LPDWORD lpdwAPIVersion,
                              LPLINEINITIALIZEEXPARAMS lpLineInitializeExParams);
LONG WINAPI lineInitializeExW(LPHLINEAPP lphLineApp, HINSTANCE hInstance,
                              LINECALLBACK lpfnCallback, LPCWSTR lpszFriendlyAppName,
                              LPDWORD lpdwNumDevs, LPDWORD lpdwAPIVersion,
                              LPLINEINITIALIZEEXPARAMS lpLineInitializeExParams);
LONG WINAPI lineShutdown(HLINEAPP hLineApp);
LONG WINAPI lineNegotiateAPIVersion(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAPILowVersion,
                                    DWORD dwAPIHighVersion, LPDWORD lpdwAPIVersion,
                                    LPLINEEXTENSIONID lpExtensionID);
LONG WINAPI lineGetDevCapsA(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAPIVersion,
                            DWORD dwExtVersion, LPLINEDEVCAPS lpLineDevCaps);
LONG WINAPI lineGetDevCapsW(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAPIVersion,
                            DWORD dwExtVersion, LPLINEDEVCAPS lpLineDevCaps);
LONG WINAPI lineGetAddressCapsA(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAddressID,
                                DWORD dwAPIVersion, DWORD dwExtVersion,
                                LPLINEADDRESSCAPS lpAddressCaps);
LONG WINAPI lineGetAddressCapsW(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAddressID,
                                DWORD dwAPIVersion, DWORD dwExtVersion,
                                LPLINEADDRESSCAPS lpAddressCaps);
LONG WINAPI lineOpenA(HLINEAPP hLineApp, DWORD dwDeviceID, LPHLINE lphLine, DWORD dwAPIVersion,
                      DWORD dwExtVersion, DWORD_PTR dwCallbackInstance, DWORD dwPrivileges,
                      DWORD dwMediaModes, LPLINECALLPARAMS const lpCallParams);
LONG WINAPI lineOpenW(HLINEAPP hLineApp, DWORD dwDeviceID, LPHLINE lphLine, DWORD dwAPIVersion,
                      DWORD dwExtVersion, DWORD_PTR dwCallbackInstance, DWORD dwPrivileges,
                      DWORD dwMediaModes, LPLINECALLPARAMS const lpCallParams);
LONG WINAPI lineClose(HLINE hLine);
LONG WINAPI lineGetMessage(HLINEAPP hLineApp, LPLINEMESSAGE lpMessage, DWORD dwTimeout);

/* Proxy machinery (TAPI 2.0; lineGetProxyStatus 2.2) */
LONG WINAPI lineProxyMessage(HLINE hLine, HCALL hCall, DWORD dwMsg, DWORD dwParam1,
                             DWORD dwParam2, DWORD dwParam3);
LONG WINAPI lineProxyResponse(HLINE hLine, LPLINEPROXYREQUEST lpProxyRequest, DWORD dwResult);

/* Call-center functions, TAPI 2.0: per-address agent control */
LONG WINAPI lineAgentSpecific(HLINE hLine, DWORD dwAddressID, DWORD dwAgentExtensionIDIndex,
                              LPVOID lpParams, DWORD dwSize);
LONG WINAPI lineGetAgentActivityListA(HLINE hLine, DWORD dwAddressID,
                                      LPLINEAGENTACTIVITYLIST lpAgentActivityList);
LONG WINAPI lineGetAgentActivityListW(HLINE hLine, DWORD dwAddressID,
                                      LPLINEAGENTACTIVITYLIST lpAgentActivityList);
LONG WINAPI lineGetAgentCapsA(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAddressID,
                              DWORD dwAppAPIVersion, LPLINEAGENTCAPS lpAgentCaps);
LONG WINAPI lineGetAgentCapsW(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAddressID,
                              DWORD dwAppAPIVersion, LPLINEAGENTCAPS lpAgentCaps);
LONG WINAPI lineGetAgentGroupListA(HLINE hLine, DWORD dwAddressID,
                                   LPLINEAGENTGROUPLIST lpAgentGroupList);
LONG WINAPI lineGetAgentGroupListW(HLINE hLine, DWORD dwAddressID,
                                   LPLINEAGENTGROUPLIST lpAgentGroupList);
LONG WINAPI lineGetAgentStatusA(HLINE hLine, DWORD dwAddressID, LPLINEAGENTSTATUS lpAgentStatus);
LONG WINAPI lineGetAgentStatusW(HLINE hLine, DWORD dwAddressID, LPLINEAGENTSTATUS lpAgentStatus);
LONG WINAPI lineSetAgentActivity(HLINE hLine, DWORD dwAddressID, DWORD dwActivityID);
LONG WINAPI lineSetAgentGroup(HLINE hLine, DWORD dwAddressID,
                              LPLINEAGENTGROUPLIST lpAgentGroupList);
LONG WINAPI lineSetAgentState(HLINE hLine, DWORD dwAddressID, DWORD dwAgentState,
                              DWORD dwNextAgentState);

#if (TAPI_CURRENT_VERSION >= 0x00020002)
/* Call-center functions, TAPI 2.2: agents, sessions, groups and queues */
LONG WINAPI lineGetProxyStatus(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAppAPIVersion,
                               LPLINEPROXYREQUESTLIST lpLineProxyReqestList);
LONG WINAPI lineCreateAgentA(HLINE hLine, LPCSTR lpszAgentID, LPCSTR lpszAgentPIN,
                             LPHAGENT lphAgent);
LONG WINAPI lineCreateAgentW(HLINE hLine, LPCWSTR lpszAgentID, LPCWSTR lpszAgentPIN,
                             LPHAGENT lphAgent);
LONG WINAPI lineCreateAgentSessionA(HLINE hLine, HAGENT hAgent, LPCSTR lpszAgentPIN,
                                    DWORD dwWorkingAddressID, LPGUID lpGroupID,
                                    LPHAGENTSESSION lphAgentSession);
LONG WINAPI lineCreateAgentSessionW(HLINE hLine, HAGENT hAgent, LPCWSTR lpszAgentPIN,
                                    DWORD dwWorkingAddressID, LPGUID lpGroupID,
                                    LPHAGENTSESSION lphAgentSession);
LONG WINAPI lineGetAgentInfo(HLINE hLine, HAGENT hAgent, LPLINEAGENTINFO lpAgentInfo);
LONG WINAPI lineGetAgentSessionInfo(HLINE hLine, HAGENTSESSION hAgentSession,
                                    LPLINEAGENTSESSIONINFO lpAgentSessionInfo);
LONG WINAPI lineGetAgentSessionList(HLINE hLine, HAGENT hAgent,
                                    LPLINEAGENTSESSIONLIST lpAgentSessionList);
LONG WINAPI lineGetGroupListA(HLINE hLine, LPLINEAGENTGROUPLIST lpGroupList);
LONG WINAPI lineGetGroupListW(HLINE hLine, LPLINEAGENTGROUPLIST lpGroupList);
LONG WINAPI lineGetQueueInfo(HLINE hLine, DWORD dwQueueID, LPLINEQUEUEINFO lpLineQueueInfo);
LONG WINAPI lineGetQueueListA(HLINE hLine, LPGUID lpGroupID, LPLINEQUEUELIST lpQueueList);
LONG WINAPI lineGetQueueListW(HLINE hLine, LPGUID lpGroupID, LPLINEQUEUELIST lpQueueList);
LONG WINAPI lineSetAgentMeasurementPeriod(HLINE hLine, HAGENT hAgent, DWORD dwMeasurementPeriod);
LONG WINAPI lineSetAgentSessionState(HLINE hLine, HAGENTSESSION hAgentSession,
                                     DWORD dwAgentSessionState, DWORD dwNextAgentSessionState);
LONG WINAPI lineSetAgentStateEx(HLINE hLine, HAGENT hAgent, DWORD dwAgentState,
                                DWORD dwNextAgentState);
LONG WINAPI lineSetQueueMeasurementPeriod(HLINE hLine, DWORD dwQueueID,
                                          DWORD dwMeasurementPeriod);
#endif

/* Unsuffixed names: A, or W when UNICODE is defined. */
#ifdef UNICODE
#define TAPIX_AW_(name) name##W
#else
#define TAPIX_AW_(name) name##A
#endif
#define lineInitializeEx TAPIX_AW_(lineInitializeEx)
#define lineGetDevCaps TAPIX_AW_(lineGetDevCaps)
#define lineGetAddressCaps TAPIX_AW_(lineGetAddressCaps)
#define lineOpen TAPIX_AW_(lineOpen)
#define lineGetAgentActivityList TAPIX_AW_(lineGetAgentActivityList)
#define lineGetAgentCaps TAPIX_AW_(lineGetAgentCaps)
#define lineGetAgentGroupList TAPIX_AW_(lineGetAgentGroupList)
#define lineGetAgentStatus TAPIX_AW_(lineGetAgentStatus)
#if (TAPI_CURRENT_VERSION >= 0x00020002)
#define lineCreateAgent TAPIX_AW_(lineCreateAgent)
#define lineCreateAgentSession TAPIX_AW_(lineCreateAgentSession)
#define lineGetGroupList TAPIX_AW_(lineGetGroupList)
#define lineGetQueueList TAPIX_AW_(lineGetQueueList)
#endif

#ifdef __cplusplus
}
#endif

#endif /* TAPI_H */
