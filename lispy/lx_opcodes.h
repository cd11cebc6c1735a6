/*
** lx_opcodes.h -- the bytecode shared by the compiler and the VM.
**
** An instruction is 32 bits: the opcode in the low 8, one operand in the
** high 24 (unsigned, or signed for jumps and small integers). The machine
** is stack-based; a frame's locals are the stack slots above its base, at
** offsets the compiler computes.
*/
#ifndef LX_OPCODES_H
#define LX_OPCODES_H

/* clang-format off */
#define LX_OPCODES(X) \
  X(CONST)       /* push consts[A] */                                    \
  X(INT)         /* push small integer sA */                             \
  X(NIL) X(TRUE) X(FALSE) X(EMPTY)                                       \
  X(LOCAL)       /* push slot A */                                       \
  X(SETLOCAL)    /* slot A = top (kept) */                               \
  X(BOX)         /* slot A = new box holding slot A */                   \
  X(LOCALBOX)    /* push value of the box in slot A */                   \
  X(SETLOCALBOX) /* box in slot A = top (kept) */                        \
  X(UPVAL)       /* push upvals[A] */                                    \
  X(UPVALBOX)    /* push value of the box upvals[A] */                   \
  X(SETUPVALBOX) /* box upvals[A] = top (kept) */                        \
  X(SELF)        /* push the running closure */                          \
  X(GLOBAL)      /* push value of global box consts[A] (must be bound) */\
  X(SETGLOBAL)   /* global box consts[A] = top (kept) */                 \
  X(DEFGLOBAL)   /* define global box consts[A] = pop; push its symbol */\
  X(DEFMACRO)    /* like DEFGLOBAL, flagging the box as a macro */       \
  X(POP)         /* drop top */                                          \
  X(SLIDE)       /* keep top, drop the A values below it */              \
  X(JUMP)        /* pc += sA */                                          \
  X(JUMPF)       /* pop; if falsy pc += sA */                            \
  X(AND)         /* if top falsy pc += sA (keep) else pop */             \
  X(OR)          /* if top truthy pc += sA (keep) else pop */            \
  X(CLOSURE)     /* push closure of protos[A] */                         \
  X(CALL)        /* call with A args */                                  \
  X(TAILCALL)    /* tail call with A args */                             \
  X(RETURN)      /* return top */                                        \
  X(TRY)         /* install handler at pc + sA */                        \
  X(ENDTRY)      /* remove the innermost handler */                      \
  X(RETHROW)     /* raise top */                                         \
  X(VECTOR)      /* pop A values into a new vector */                    \
  X(DICT)        /* pop 2A values (k v ...) into a new dict */           \
  /* inlined primitives (operands on the stack) */                       \
  X(ADD) X(SUB) X(MUL) X(DIV) X(ADDI)                                    \
  X(LT) X(LE) X(GT) X(GE) X(EQUAL) X(EQ)                                 \
  X(CONS) X(CAR) X(CDR) X(NOT) X(NULLP) X(PAIRP)
/* clang-format on */

typedef enum lx_Opcode {
#define LX_OP_ENUM(name) LX_OP_##name,
  LX_OPCODES(LX_OP_ENUM)
#undef LX_OP_ENUM
      LX_OP_COUNT
} lx_Opcode;

#define LX_OP(i)      ((lx_Opcode)((i)&0xff))
#define LX_ARG(i)     ((uint32_t)(i) >> 8)
#define LX_SARG(i)    ((int32_t)(i) >> 8)
#define LX_MKI(op, a) ((lx_Instr)(((uint32_t)(a) << 8) | (uint32_t)(op)))

#define LX_MAX_ARG  0xFFFFFF
#define LX_MAX_SARG 0x7FFFFF

#endif
