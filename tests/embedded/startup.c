/* SPDX-License-Identifier: MIT */
/* Minimal Cortex-M startup: vector table at address 0, copy .data, zero
 * .bss, paint the stack (to measure its high-water mark), run main, and
 * report its status through semihosting. */
#include <stdint.h>

#include "semihost.h"

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _sstack[], _estack[];
int main(void);

#define STACK_PAINT 0xA5A5A5A5u

void Reset_Handler(void) __attribute__((noreturn));
void Fault_Handler(void) __attribute__((noreturn));

void Reset_Handler(void)
{
    for (uint32_t *s = _sidata, *d = _sdata; d < _edata;)
        *d++ = *s++;
    for (uint32_t *d = _sbss; d < _ebss;)
        *d++ = 0;
    /* Paint the stack below the current frame, leaving a margin. */
    uintptr_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (volatile uint32_t *d = _sstack; (uintptr_t)d < sp - 64;)
        *d++ = STACK_PAINT;
    sh_exit(main());
}

/* Bytes of stack ever used: from the top down to the deepest unpainted word. */
unsigned long stack_high_water(void)
{
    const uint32_t *d = _sstack;
    while (d < _estack && *d == STACK_PAINT)
        d++;
    return (unsigned long)((const char *)_estack - (const char *)d);
}

void Fault_Handler(void)
{
    sh_puts("embedded: FAIL: fault exception\n");
    sh_exit(3);
}

typedef void (*vector_t)(void);

__attribute__((section(".isr_vector"), used)) const vector_t vectors[16] = {
    (vector_t)(uintptr_t)_estack, /* initial stack pointer */
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
    0, 0, 0, 0,
    Fault_Handler, /* SVCall */
    Fault_Handler, /* DebugMonitor */
    0,
    Fault_Handler, /* PendSV */
    Fault_Handler, /* SysTick */
};
