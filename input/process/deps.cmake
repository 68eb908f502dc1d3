# Process visibility: the eBPF programs are compiled with clang, their CO-RE types come from
# this machine's BTF (vmlinux.h, generated into the build tree), and bpftool makes the
# skeleton user space loads with libbpf. Without those tools only the sock_diag fallback is built.
find_program(EVEFLOW_BPF_CLANG NAMES clang clang-14)
find_program(EVEFLOW_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin)
pkg_check_modules(LIBBPF IMPORTED_TARGET libbpf)
set(eveflow_bpf_default OFF)
if(EVEFLOW_BPF_CLANG AND EVEFLOW_BPFTOOL AND LIBBPF_FOUND AND EXISTS /sys/kernel/btf/vmlinux)
    set(eveflow_bpf_default ON)
endif()
option(EVEFLOW_PROCESS_BPF "Build the eBPF programs of process visibility" ${eveflow_bpf_default})
if(EVEFLOW_PROCESS_BPF)
    set(gen ${CMAKE_CURRENT_BINARY_DIR}/process_bpf)
    set(bpf_src ${CMAKE_CURRENT_SOURCE_DIR}/process/bpf/process_events.bpf.c)
    file(MAKE_DIRECTORY ${gen})
    add_custom_command(OUTPUT ${gen}/vmlinux.h
        COMMAND ${EVEFLOW_BPFTOOL} btf dump file /sys/kernel/btf/vmlinux format c > ${gen}/vmlinux.h
        COMMENT "Generating vmlinux.h from the kernel's BTF")
    add_custom_command(OUTPUT ${gen}/process_events.bpf.o
        COMMAND ${EVEFLOW_BPF_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_x86 -I${gen}
                -I${CMAKE_CURRENT_SOURCE_DIR}/process/bpf -c ${bpf_src} -o ${gen}/process_events.bpf.o
        DEPENDS ${bpf_src} ${CMAKE_CURRENT_SOURCE_DIR}/process/bpf/process_event.h ${gen}/vmlinux.h
        COMMENT "Compiling the process visibility eBPF programs")
    add_custom_command(OUTPUT ${gen}/process_events.skel.h
        COMMAND ${EVEFLOW_BPFTOOL} gen skeleton ${gen}/process_events.bpf.o name process_events_bpf
                > ${gen}/process_events.skel.h
        DEPENDS ${gen}/process_events.bpf.o
        COMMENT "Generating the eBPF skeleton")
    add_custom_target(eveflow_process_skel DEPENDS ${gen}/process_events.skel.h)
    add_library(eveflow_process_bpf INTERFACE)
    target_include_directories(eveflow_process_bpf SYSTEM INTERFACE ${gen})
    target_compile_definitions(eveflow_process_bpf INTERFACE EVEFLOW_HAVE_PROCESS_BPF=1)
    target_link_libraries(eveflow_process_bpf INTERFACE PkgConfig::LIBBPF)
    add_dependencies(eveflow_process_bpf eveflow_process_skel)
    set(COMPONENT_DEPS eveflow_process_bpf)
endif()
