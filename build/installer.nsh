; Frontdesk's additions to electron-builder's NSIS installer (nsis.include in electron-builder.yml):
; click-to-call. The installer registers Frontdesk for tel:, sip: and callto: links:
;  - a ProgID per scheme (Software\Classes\Frontdesk.Url.<scheme>) that starts
;    `Frontdesk.exe -- "%1"` (the "--" keeps a link from ever being read as a command-line switch);
;  - Default Programs capabilities (Software\Frontdesk\Capabilities\URLAssociations and
;    Software\RegisteredApplications), so Settings > Apps > Default apps offers Frontdesk for them;
;  - Software\Classes\<scheme> itself only where no program handles the scheme yet (it never takes
;    tel: from a softphone the person already uses; Windows asks them to choose).
; SHELL_CONTEXT is HKCU for a per-user install and HKLM for a per-machine one.

!macro frontdeskRegisterScheme SCHEME DESCRIPTION
  WriteRegStr SHELL_CONTEXT "Software\Classes\Frontdesk.Url.${SCHEME}" "" "${DESCRIPTION}"
  WriteRegStr SHELL_CONTEXT "Software\Classes\Frontdesk.Url.${SCHEME}" "URL Protocol" ""
  WriteRegStr SHELL_CONTEXT "Software\Classes\Frontdesk.Url.${SCHEME}\DefaultIcon" "" "$INSTDIR\${APP_EXECUTABLE_FILENAME},0"
  WriteRegStr SHELL_CONTEXT "Software\Classes\Frontdesk.Url.${SCHEME}\shell\open\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" -- "%1"'
  WriteRegStr SHELL_CONTEXT "Software\Frontdesk\Capabilities\URLAssociations" "${SCHEME}" "Frontdesk.Url.${SCHEME}"
  ClearErrors
  ReadRegStr $0 HKCR "${SCHEME}\shell\open\command" ""
  ${If} $0 == ""
    WriteRegStr SHELL_CONTEXT "Software\Classes\${SCHEME}" "" "URL:${DESCRIPTION}"
    WriteRegStr SHELL_CONTEXT "Software\Classes\${SCHEME}" "URL Protocol" ""
    WriteRegStr SHELL_CONTEXT "Software\Classes\${SCHEME}\DefaultIcon" "" "$INSTDIR\${APP_EXECUTABLE_FILENAME},0"
    WriteRegStr SHELL_CONTEXT "Software\Classes\${SCHEME}\shell\open\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" -- "%1"'
  ${EndIf}
!macroend

!macro frontdeskUnregisterScheme SCHEME
  DeleteRegKey SHELL_CONTEXT "Software\Classes\Frontdesk.Url.${SCHEME}"
  ; The scheme's own key only when it still starts this Frontdesk.
  ReadRegStr $0 SHELL_CONTEXT "Software\Classes\${SCHEME}\shell\open\command" ""
  ${If} $0 == '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" -- "%1"'
    DeleteRegKey SHELL_CONTEXT "Software\Classes\${SCHEME}"
  ${EndIf}
!macroend

!macro customInstall
  WriteRegStr SHELL_CONTEXT "Software\Frontdesk\Capabilities" "ApplicationName" "Frontdesk"
  WriteRegStr SHELL_CONTEXT "Software\Frontdesk\Capabilities" "ApplicationDescription" "Softphone for receptionists and sales agents"
  WriteRegStr SHELL_CONTEXT "Software\Frontdesk\Capabilities" "ApplicationIcon" "$INSTDIR\${APP_EXECUTABLE_FILENAME},0"
  !insertmacro frontdeskRegisterScheme "tel" "Telephone number"
  !insertmacro frontdeskRegisterScheme "sip" "SIP address"
  !insertmacro frontdeskRegisterScheme "callto" "Callto link"
  WriteRegStr SHELL_CONTEXT "Software\RegisteredApplications" "Frontdesk" "Software\Frontdesk\Capabilities"
  ; Tell Explorer that associations changed (SHCNE_ASSOCCHANGED).
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
!macroend

!macro customUnInstall
  ; An update runs the old uninstaller first: the registration stays for the new version.
  ${IfNot} ${isUpdated}
    !insertmacro frontdeskUnregisterScheme "tel"
    !insertmacro frontdeskUnregisterScheme "sip"
    !insertmacro frontdeskUnregisterScheme "callto"
    DeleteRegValue SHELL_CONTEXT "Software\RegisteredApplications" "Frontdesk"
    DeleteRegKey SHELL_CONTEXT "Software\Frontdesk\Capabilities"
    DeleteRegKey /ifempty SHELL_CONTEXT "Software\Frontdesk"
    System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
  ${EndIf}
!macroend
